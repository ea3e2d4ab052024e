// Fencing on a real etcd: a leader that has not noticed its term is over (paused, partitioned)
// gets its scheduler binds (registry.bindPods, as the scheduler's RegistryBindWriter sends them)
// refused by etcd, whether the leader key is gone or already re-created by a successor; the
// successor's binds go through.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { KubeObject } from "../../api/object";
import { findResource, storageKey } from "../../api/resources";
import { SCHEDULER_USER } from "../auth/internal-users";
import { ApiContext } from "../registry/context";
import { casBatch } from "../registry/txn-batch";
import type { WriteFence } from "../registry/write-fence";
import { testPod } from "../scheduler/testing";
import { startTestEtcd, type TestEtcd } from "../store/testing";
import { EtcdElectionBackend } from "./etcd-backend";
import { leaderFence, NotLeaderError } from "./fence";
import type { LeaderTerm } from "./leadership";

const PODS = findResource("", "v1", "pods")!;
const KEY = "/gantry/test-fence-leader";

let env: TestEtcd;
before(async () => {
  env = await startTestEtcd();
});
after(() => env?.stop());

/** A leader as it sees itself: `term` stays set until the test says it noticed. */
function believedLeader(identity: string, epoch: number) {
  const term: LeaderTerm = { identity, epoch, signal: new AbortController().signal };
  let current: LeaderTerm | undefined = term;
  return { identity, currentTerm: () => current, noticeLoss: () => (current = undefined) };
}

async function wonEpoch(backend: EtcdElectionBackend, identity: string): Promise<{ epoch: number; leaseId: string }> {
  const outcome = await backend.campaign(identity, 5);
  assert.equal(outcome.result, "won", JSON.stringify(outcome));
  return outcome as { epoch: number; leaseId: string };
}

test("a deposed leader's binds fail in etcd, before and after a successor wins; the successor's succeed", async () => {
  const backend = new EtcdElectionBackend(env.store.client, () => performance.now(), KEY);
  const key = (name: string) => storageKey(PODS, "fence", name);
  const pod = (name: string) => env.store.create<KubeObject>(key(name), testPod(name, { namespace: "fence" }));
  const ctx = new ApiContext(env.store);
  const bind = (fence: WriteFence, p: KubeObject) => ctx.registry.bindPods(SCHEDULER_USER, [{ pod: p, nodeName: "node-a" }], fence);
  const nodeOf = async (name: string) => ((await env.store.get<KubeObject>(key(name))).spec as { nodeName?: string }).nodeName;

  const a = await wonEpoch(backend, "a");
  const leaderA = believedLeader("a", a.epoch);
  const fenceA = leaderFence(leaderA, KEY);
  const [p1, p2, p3] = [await pod("p1"), await pod("p2"), await pod("p3")];

  assert.equal((await bind(fenceA, p1))[0].kind, "bound", "the leader binds while its term lasts");
  assert.equal(await nodeOf("p1"), "node-a");

  // A's lease ends (revoked here; expiry deletes the key the same way). A has not noticed.
  await backend.release(a.leaseId);
  const refused = (await bind(fenceA, p2))[0];
  assert.equal(refused.kind, "error");
  assert.ok(refused.kind === "error" && refused.error instanceof NotLeaderError, String(refused.kind === "error" && refused.error));
  assert.match(String(refused.kind === "error" && refused.error), /term \d+ of a is over \(leader key gone\)/);
  assert.equal(await nodeOf("p2"), undefined, "nothing was written");

  // B wins a new term; A still believes it leads.
  const b = await wonEpoch(backend, "b");
  assert.ok(b.epoch > a.epoch);
  const afterB = (await bind(fenceA, p2))[0];
  assert.ok(afterB.kind === "error" && afterB.error instanceof NotLeaderError);
  assert.match(String(afterB.error), new RegExp(`now of epoch ${b.epoch}`));
  assert.equal(await nodeOf("p2"), undefined);
  const fenceB = leaderFence(believedLeader("b", b.epoch), KEY);
  assert.equal((await bind(fenceB, p2))[0].kind, "bound");
  assert.equal(await nodeOf("p2"), "node-a");

  // A conflict and a lost term in one batch: the lost term wins (no retry loop, nothing written).
  await env.store.update(key("p3"), { ...p3, metadata: { ...p3.metadata, labels: { moved: "yes" } } });
  const fresh = await env.store.client.put("/fence/free").value("0").exec();
  await assert.rejects(
    casBatch(env.store.client, [
      { key: key("p3"), expectedModRevision: p3.metadata.resourceVersion!, value: Buffer.from("x") },
      { key: "/fence/free", expectedModRevision: fresh.header.revision, value: Buffer.from("1") },
    ], leaderFence(leaderA, KEY)),
    NotLeaderError,
  );
  assert.equal(await env.store.client.get("/fence/free").string(), "0");

  // Once A notices, it does not even send the transaction.
  leaderA.noticeLoss();
  const noticed = (await bind(fenceA, p3))[0];
  assert.ok(noticed.kind === "error" && noticed.error instanceof NotLeaderError);
  assert.match(String(noticed.error), /a does not lead/);
  await backend.release(b.leaseId);
});
