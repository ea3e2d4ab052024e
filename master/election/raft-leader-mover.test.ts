import assert from "node:assert/strict";
import { test } from "node:test";
import type { IMember } from "etcd3";
import { createLogger } from "../log";
import { directClient } from "../store/direct-client";
import { freePorts } from "../store/etcd-process";
import type { EtcdClientTls } from "../store/etcd-tls";
import { startTestEtcd } from "../store/testing";
import { joinCluster, promoteToVoter } from "./member-join";
import { raftLeaderTargets, RaftLeaderMover } from "./raft-leader-mover";
import { secondMember } from "./testing";

const log = createLogger("raft-leader-mover-test", "silent");

const member = (ID: string, name: string, extra: Partial<IMember> = {}): IMember => ({ ID, name, peerURLs: [`https://${name}:2380`], clientURLs: name ? [`https://${name}:2379`] : [], isLearner: false, ...extra });

test("raftLeaderTargets: only when our member leads raft; started voters other than us, by name", () => {
  const members = [member("3", "m3"), member("1", "m1"), member("2", "m2"), member("4", "m4", { isLearner: true }), member("5", "")];
  assert.deepEqual(raftLeaderTargets(members, "1", "m1").map((m) => m.name), ["m2", "m3"]);
  assert.deepEqual(raftLeaderTargets(members, "2", "m1"), [], "another member leads raft: nothing to do");
  assert.deepEqual(raftLeaderTargets(members, "1", "m9"), [], "our member is not in the list");
  assert.deepEqual(raftLeaderTargets([member("1", "m1")], "1", "m1"), [], "a single member has nowhere to go");
});

async function raftLeaderName(endpoint: string, tls: EtcdClientTls | undefined): Promise<string> {
  const client = directClient([endpoint], tls, 5000);
  try {
    const status = await client.maintenance.status();
    const { members } = await client.cluster.memberList({});
    return members.find((m) => m.ID === status.leader)?.name ?? `unknown ${status.leader}`;
  } finally {
    client.close();
  }
}

test("on a real two-member cluster, the leading master's member hands raft leadership to the other, and only when it has it", { timeout: 120_000 }, async (t) => {
  const first = await startTestEtcd({ tls: true });
  t.after(() => first.stop());
  const tls = first.tls!;
  const [clientPort, peerPort] = await freePorts(2);
  const peerUrl = `https://127.0.0.1:${peerPort}`;
  const initialCluster = await joinCluster([first.endpoint], { name: "second", peerUrl }, tls);
  const { member: second, remove } = await secondMember(first, { clientPort, peerPort }, initialCluster);
  t.after(remove);
  await second.start();
  await promoteToVoter([first.endpoint], peerUrl, tls, 60_000);
  // The first member ("test") has led raft since it was alone.
  assert.equal(await raftLeaderName(first.endpoint, tls), "test");

  // The master whose member is "test" leads: it moves raft leadership away.
  const moverOfTest = new RaftLeaderMover(first.store.client, "test", tls, log);
  await moverOfTest.moveIfLeading();
  assert.equal(await raftLeaderName(first.endpoint, tls), "second");
  assert.equal(await raftLeaderName(second.clientUrl, tls), "second");
  // Nothing more to do for it now.
  await moverOfTest.moveIfLeading();
  assert.equal(await raftLeaderName(first.endpoint, tls), "second");

  // Had "second"'s master won the election instead, it would hand raft leadership back.
  await new RaftLeaderMover(first.store.client, "second", tls, log).moveIfLeading();
  assert.equal(await raftLeaderName(first.endpoint, tls), "test");

  // As a leader component: start() resolves at once and checks in the background.
  await moverOfTest.start();
  const deadline = Date.now() + 15_000;
  while ((await raftLeaderName(first.endpoint, tls)) !== "second") {
    assert.ok(Date.now() < deadline, "the started component moved raft leadership");
    await new Promise((r) => setTimeout(r, 100));
  }
  await moverOfTest.stop();
});
