// The dispatcher against a real etcd and a scripted agent on 127.0.0.1: the moment its leadership
// term ends (the term's signal, before anyone calls stop()), it ends the agent session and does
// not dial again, so a deposed leader sends no more commands.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { findResource } from "../../api/resources";
import { SessionAgent } from "../../test/helpers/session-agent";
import { ApiContext } from "../registry/context";
import { ResourceClient } from "../registry/internal-client";
import type { Leadership, LeaderTerm } from "../election/leadership";
import { createLogger } from "../log";
import { TEST_ADMIN } from "../registry/testing";
import { startTestEtcd, type TestEtcd } from "../store/testing";
import { Dispatcher } from "./dispatcher";

let env: TestEtcd;
let ctx: ApiContext;
before(async () => {
  env = await startTestEtcd();
  ctx = new ApiContext(env.store);
});
after(() => env?.stop());

async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("when the term ends, the agent session ends at once and is not dialled again", { timeout: 60_000 }, async (t) => {
  const agent = new SessionAgent("agent-x");
  await agent.start();
  t.after(() => agent.kill());
  await new ResourceClient(ctx, findResource("", "v1", "nodes")!, TEST_ADMIN).create({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "agent-x" },
    spec: {},
    status: { addresses: [{ type: "InternalIP", address: "127.0.0.1" }], daemonEndpoints: { kubeletEndpoint: { Port: agent.port } }, conditions: [{ type: "Ready", status: "True" }] },
  });

  const controller = new AbortController();
  const term: LeaderTerm = { identity: "m1", epoch: 7, signal: controller.signal };
  const leadership = { identity: "m1", currentTerm: () => (controller.signal.aborted ? undefined : term), epoch: () => (controller.signal.aborted ? undefined : 7) } as unknown as Leadership;
  const dispatcher = new Dispatcher({ ctx, log: createLogger("dispatcher-term-test", "silent"), leadership, heartbeatIntervalSeconds: 1, backoff: { initialMs: 50, maxMs: 100 } });
  await dispatcher.start();
  t.after(() => dispatcher.stop());

  await until("the session", () => dispatcher.isConnected("agent-x"));
  const open = agent.received.find((r) => r.msg.$case === "open");
  assert.equal(open?.msg.$case === "open" && open.msg.open.leaderEpoch, 7);

  const abortedAt = Date.now();
  controller.abort(new Error("leadership lost: test"));
  await until("the session to end", () => agent.sessionsEnded.length > 0, 2000);
  assert.ok(agent.sessionsEnded[0] - abortedAt < 1000, `ended ${agent.sessionsEnded[0] - abortedAt}ms after the term`);
  const heard = agent.received.length;
  // Longer than the heartbeat interval and many back-offs: nothing more arrives, no new session.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(agent.received.length, heard, `after the term: ${agent.received.slice(heard).map((r) => r.msg.$case).join(",")}`);
  assert.equal(agent.sessionsEnded.length, 1);
  assert.equal(dispatcher.isConnected("agent-x"), false);
});
