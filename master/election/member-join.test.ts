import assert from "node:assert/strict";
import { noop } from "cockatiel";
import { Etcd3 } from "etcd3";
import { test } from "node:test";
import { freePorts } from "../store/etcd-process";
import { EtcdStore } from "../store/etcd-store";
import { startTestEtcd } from "../store/testing";
import { joinCluster, memberIsLearner, promoteToVoter } from "./member-join";
import { secondMember } from "./testing";
import { planRemoval, removalProblem, removeMember } from "./member-remove";

/** Resolves to what `p` resolves to, or rejects once `ms` have passed. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms}ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

test("over TLS, a joining member is a learner: the one-member cluster stays writable until it runs; promoteToVoter makes it a voter once caught up; MemberRemove takes it out again", { timeout: 120_000 }, async (t) => {
  const first = await startTestEtcd({ tls: true });
  t.after(() => first.stop());
  const tls = first.tls!;
  assert.match(first.endpoint, /^https:/);
  const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "before-join" } };
  await first.store.create("/registry/namespaces/before-join", ns);

  const [clientPort, peerPort] = await freePorts(2);
  const peerUrl = `https://127.0.0.1:${peerPort}`;
  const initialCluster = await joinCluster([first.endpoint], { name: "second", peerUrl }, tls);
  assert.match(initialCluster, new RegExp(`second=${peerUrl}`));

  // The new member has not started. A voting member would make quorum 2 of 2 here, and this
  // write (like the leader's lease keepalives) would hang until it did.
  await within(5000, "a write after MemberAdd", first.store.create("/registry/namespaces/after-join", { ...ns, metadata: { name: "after-join" } }));
  const { members } = await first.store.client.cluster.memberList({});
  assert.deepEqual(members.map((m) => m.isLearner).sort(), [false, true]);
  // Not running, so not caught up: etcd refuses the promotion and we give up at the deadline.
  await assert.rejects(promoteToVoter([first.endpoint], peerUrl, tls, 1000), /promoting etcd member .* failed: .*(sync|learner)/);

  // Both members on 127.0.0.1: the second serves the same etcd PKI's member certificates.
  const { member: second, remove } = await secondMember(first, { clientPort, peerPort }, initialCluster);
  t.after(remove);
  await second.start();
  assert.equal(await memberIsLearner(second.clientUrl, tls), true);
  assert.equal(await promoteToVoter([first.endpoint], peerUrl, tls, 60_000), "promoted");
  assert.equal(await memberIsLearner(second.clientUrl, tls), false);
  // A restart finds it a voter already.
  assert.equal(await promoteToVoter([first.endpoint], peerUrl, tls, 5000), "voter");

  // A voter serves clients: everything written before and during the join is there.
  const viaSecond = new EtcdStore({ endpoints: [second.clientUrl], tls });
  try {
    const listed = await viaSecond.list("/registry/namespaces/");
    assert.deepEqual(listed.items.map((o) => o.metadata.name), ["after-join", "before-join"]);
  } finally {
    await viaSecond.close();
  }

  // A client that trusts the etcd CA but has no certificate of its own is refused.
  const noCert = new Etcd3({ hosts: [second.clientUrl], credentials: { rootCertificate: Buffer.from(tls.caPem) }, faultHandling: { host: () => noop, global: noop }, defaultCallOptions: () => ({ deadline: Date.now() + 3000 }) });
  try {
    await assert.rejects(noCert.get("/registry/namespaces/before-join").string());
  } finally {
    noCert.close();
  }

  // The second member leaves (gantry reset): the first alone keeps its quorum, so it is allowed.
  const plan = await planRemoval([first.endpoint, second.clientUrl], peerUrl, tls);
  assert.equal(plan.self?.name, "second");
  assert.equal(removalProblem(plan), undefined);
  await removeMember(plan, tls);
  const after = await first.store.client.cluster.memberList({});
  assert.deepEqual(after.members.map((m) => m.name), ["test"]);
  await within(5000, "a write after MemberRemove", first.store.create("/registry/namespaces/after-remove", { ...ns, metadata: { name: "after-remove" } }));
});

test("removalProblem: a member may leave only if the voters left behind that answer still make a quorum", () => {
  const member = (id: string, isLearner = false) => ({ ID: id, name: `m${id}`, peerURLs: [`https://10.0.0.${id}:2380`], clientURLs: [`https://10.0.0.${id}:2379`], isLearner });
  const three = [member("1"), member("2"), member("3")];
  assert.equal(removalProblem({ self: three[1], members: three, healthy: ["1", "3"] }), undefined, "3 → 2, both answer");
  assert.match(removalProblem({ self: three[1], members: three, healthy: ["3"] }) ?? "", /removing etcd member "m2" would leave 2 voting member\(s\) of which 1 answer \(m1 do not\), below their quorum of 2.*--force/);
  assert.equal(removalProblem({ self: three[0], members: three.slice(0, 1), healthy: [] }), undefined, "the last member takes the cluster with it");
  assert.equal(removalProblem({ self: undefined, members: three, healthy: [] }), undefined, "already removed");
  const two = [member("1"), member("2")];
  assert.equal(removalProblem({ self: two[1], members: two, healthy: ["1"] }), undefined);
  assert.match(removalProblem({ self: two[1], members: two, healthy: [] }) ?? "", /below their quorum of 1/);
  // A learner counts toward no quorum.
  assert.equal(removalProblem({ self: three[0], members: [...three.slice(0, 2), member("4", true)], healthy: ["2"] }), undefined);
});

test("joinCluster refuses a name another member already has", { timeout: 60_000 }, async (t) => {
  const first = await startTestEtcd({ tls: true });
  t.after(() => first.stop());
  const [peerPort] = await freePorts(1);
  await assert.rejects(joinCluster([first.endpoint], { name: "test", peerUrl: `https://127.0.0.1:${peerPort}` }, first.tls, 5000), /already has a member named "test"/);
});

test("gantry reset's member lookup and removal reach the cluster past endpoints that are down (the member being reset is often one)", { timeout: 60_000 }, async (t) => {
  const first = await startTestEtcd({ tls: true });
  t.after(() => first.stop());
  const tls = first.tls!;
  const [deadPort, peerPort] = await freePorts(2);
  const dead = `https://127.0.0.1:${deadPort}`;
  const peerUrl = `https://127.0.0.1:${peerPort}`;
  // A learner that never ran (as a member whose master is gone): it has a peer URL, no client URL.
  await first.store.client.cluster.memberAdd({ peerURLs: [peerUrl], isLearner: true });
  // Several lookups: an etcd client given both URLs would pick the dead one about every other time.
  for (let i = 0; i < 6; i++) {
    const plan = await planRemoval([dead, first.endpoint], peerUrl, tls);
    assert.equal(plan.members.length, 2);
    assert.ok(plan.self?.isLearner, "the member to remove is found");
  }
  await assert.rejects(planRemoval([dead], peerUrl, tls), /UNAVAILABLE|ECONNREFUSED|No connection/, "nothing reachable: the connection error");
  const plan = await planRemoval([dead, first.endpoint], peerUrl, tls);
  await removeMember(plan, tls);
  const { members } = await first.store.client.cluster.memberList({});
  assert.equal(members.length, 1);
  assert.ok(!members.some((m) => m.peerURLs.includes(peerUrl)));
});
