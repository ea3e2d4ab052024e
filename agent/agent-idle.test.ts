// The agent does nothing while nothing changes (issue 12): with pods running, no `runc
// state`/`runc list` is spawned, and a container's exit still reaches its pod's status at once —
// through conmon's exit file (runtime/runc/exit-watcher.ts), not a relist. A real agent process
// with runc behind a wrapper that logs every invocation.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { Container, Pod } from "kubernetes-types/core/v1";
import { loggingRunc, runcQueries } from "../runtime/runc/testing";
import { pushTestImages } from "../test/images/build";
import { startRegistry, type TestRegistry } from "../test/images/registry";
import { agentDirs, forceCleanup, podStatus, setDesired, startAgent, waitFor, type AgentProcess } from "./testing/harness";

let registry: TestRegistry;

before(async () => {
  registry = await startRegistry();
  await pushTestImages(registry.url);
});

after(async () => {
  await registry?.stop();
});

function pod(name: string, container: Container, restartPolicy: "Always" | "Never"): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", uid: randomUUID(), resourceVersion: "1" }, spec: { containers: [container], restartPolicy, terminationGracePeriodSeconds: 0 } };
}

/** A logging runc and an agent using it (`start()` again after a kill -9), undone after the test. */
async function setup(t: { after(fn: () => Promise<void>): void }) {
  const runc = await loggingRunc();
  const dirs = await agentDirs();
  const started: { agent?: AgentProcess } = {};
  t.after(async () => {
    await started.agent?.stop().catch(() => undefined);
    await forceCleanup(dirs);
    await runc.remove();
  });
  const start = async () => (started.agent = await startAgent(dirs, { runcPath: runc.path }));
  return { runc, start, image: `${registry.host}/gantry-test/busybox:latest` };
}

test("an idle agent spawns no runc; an exit reaches the pod's status without a relist", { timeout: 120_000 }, async (t) => {
  const { runc, start, image } = await setup(t);
  const agent = await start();
  const idle = pod("idle", { name: "c", image, command: ["sleep", "3600"] }, "Always");
  const exits = pod("exits", { name: "c", image, command: ["sh", "-c", "sleep 4; exit 3"] }, "Never");
  await setDesired(agent.client, 1, [idle, exits]);
  const running = async (p: Pod) => (await podStatus(agent.client, p.metadata!.uid!))?.containerStatuses[0]?.state?.state?.$case === "running";
  await waitFor("both pods running", async () => (await running(idle)) && (await running(exits)), 60_000, 50);
  const mark = runcQueries(await runc.calls()).length;

  const terminated = await waitFor(
    "the exit in the pod's status",
    async () => {
      const st = (await podStatus(agent.client, exits.metadata!.uid!))?.containerStatuses[0]?.state?.state;
      return st?.$case === "terminated" ? st.terminated : undefined;
    },
    15_000,
    50,
  );
  assert.equal(terminated.exitCode, 3);
  assert.equal(terminated.reason, "Error");
  await new Promise((r) => setTimeout(r, 3000)); // idle: one pod running, one done
  assert.ok(await running(idle));
  assert.deepEqual(runcQueries(await runc.calls()).slice(mark), [], "no runc state/list while idle or to notice the exit");
});

test("an exit while the agent is down is seen by the restarted agent, and exits after the restart are events", { timeout: 120_000 }, async (t) => {
  const { runc, start, image } = await setup(t);
  let agent = await start();
  const early = pod("early", { name: "c", image, command: ["sh", "-c", "sleep 3; exit 3"] }, "Never");
  const late = pod("late", { name: "c", image, command: ["sh", "-c", "sleep 12; exit 4"] }, "Never");
  await setDesired(agent.client, 1, [early, late]);
  const state = async (p: Pod) => (await podStatus(agent.client, p.metadata!.uid!))?.containerStatuses[0]?.state?.state;
  await waitFor("both pods running", async () => (await state(early))?.$case === "running" && (await state(late))?.$case === "running", 60_000, 50);

  await agent.kill9();
  await new Promise((r) => setTimeout(r, 4000)); // `early` exits meanwhile
  agent = await start();
  const exitCode = async (p: Pod) => {
    const st = await state(p);
    return st?.$case === "terminated" ? st.terminated.exitCode : undefined;
  };
  assert.equal(await waitFor("the exit that happened while the agent was down", () => exitCode(early), 10_000, 50), 3);
  const mark = runcQueries(await runc.calls()).length;
  assert.equal(await waitFor("the exit after the restart", () => exitCode(late), 20_000, 50), 4);
  assert.deepEqual(runcQueries(await runc.calls()).slice(mark), [], "the restarted agent learned of the exit without runc");
});
