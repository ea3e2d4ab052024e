import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { EtcdProcess, freePorts } from "../store/etcd-process";
import { EtcdStore } from "../store/etcd-store";
import { startTestEtcd } from "../store/testing";
import { joinCluster, memberIsLearner, promoteToVoter } from "./member-join";

/** Resolves to what `p` resolves to, or rejects once `ms` have passed. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms}ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

test("a joining member is a learner: the one-member cluster stays writable until it runs; promoteToVoter makes it a voter once caught up", { timeout: 120_000 }, async (t) => {
  const first = await startTestEtcd();
  t.after(() => first.stop());
  const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "before-join" } };
  await first.store.create("/registry/namespaces/before-join", ns);

  const [clientPort, peerPort] = await freePorts(2);
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const initialCluster = await joinCluster([first.endpoint], { name: "second", peerUrl });
  assert.match(initialCluster, new RegExp(`second=${peerUrl}`));

  // The new member has not started. A voting member would make quorum 2 of 2 here, and this
  // write (like the leader's lease keepalives) would hang until it did.
  await within(5000, "a write after MemberAdd", first.store.create("/registry/namespaces/after-join", { ...ns, metadata: { name: "after-join" } }));
  const { members } = await first.store.client.cluster.memberList({});
  assert.deepEqual(members.map((m) => m.isLearner).sort(), [false, true]);
  // Not running, so not caught up: etcd refuses the promotion and we give up at the deadline.
  await assert.rejects(promoteToVoter([first.endpoint], peerUrl, 1000), /promoting etcd member .* failed: .*(sync|learner)/);

  const second = new EtcdProcess({ dataDir: path.join(first.dir, "second"), name: "second", clientPort, peerPort, initialCluster, initialClusterState: "existing", startTimeoutMs: 30_000, stopTimeoutMs: 5000 });
  t.after(async () => {
    await second.stop();
    await rm(path.join(first.dir, "second"), { recursive: true, force: true });
  });
  await second.start();
  assert.equal(await memberIsLearner(second.clientUrl), true);
  assert.equal(await promoteToVoter([first.endpoint], peerUrl, 60_000), "promoted");
  assert.equal(await memberIsLearner(second.clientUrl), false);
  // A restart finds it a voter already.
  assert.equal(await promoteToVoter([first.endpoint], peerUrl, 5000), "voter");

  // A voter serves clients: everything written before and during the join is there.
  const viaSecond = new EtcdStore({ endpoints: [second.clientUrl] });
  try {
    const listed = await viaSecond.list("/registry/namespaces/");
    assert.deepEqual(listed.items.map((o) => o.metadata.name), ["after-join", "before-join"]);
  } finally {
    await viaSecond.close();
  }
});

test("joinCluster refuses a name another member already has", { timeout: 60_000 }, async (t) => {
  const first = await startTestEtcd();
  t.after(() => first.stop());
  const [peerPort] = await freePorts(1);
  await assert.rejects(joinCluster([first.endpoint], { name: "test", peerUrl: `http://127.0.0.1:${peerPort}` }, 5000), /already has a member named "test"/);
});
