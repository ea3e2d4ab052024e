// Three masters, each in its own test host (network namespace) with its own etcd member. kubectl
// runs in a fourth host. The leader is killed with SIGKILL (its etcd dies with it); another
// master must take over (new Lease holder, leader components running there) while the cluster
// stays writable on the remaining two etcd members. The takeover time (kill → the new leader's
// components started, from the masters' own log timestamps) is printed and written to
// bench/results/ha-failover.json.

import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { startHaCluster } from "./helpers/ha-cluster";
import { electionLine, leaderLease as lease, loggedAt, raftLeaderAddress } from "./helpers/ha-observe";

const LEASE_TTL_SECONDS = 10;
const RESULTS = path.resolve(__dirname, "../../bench/results/ha-failover.json");

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (last !== undefined) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
}

test("3-master HA: kill -9 of the leader hands leadership to another master; the cluster stays writable", { timeout: 300_000 }, async (t) => {
  const cluster = await startHaCluster({ leaseTtlSeconds: LEASE_TTL_SECONDS });
  try {
    // Exactly one leader, visible in the Lease and in every master's /readyz.
    const first = await eventually("a Lease holder", async () => (await lease(cluster))?.holder || undefined, 30_000);
    const leader = cluster.master(first);
    const followers = cluster.masters.filter((m) => m !== leader);
    for (const m of cluster.masters) {
      const line = await eventually(`${m.name}'s readyz to name the leader`, async () => {
        const l = electionLine(await cluster.readyz(m));
        return l?.includes(`leader: ${leader.name},`) ? l : undefined;
      }, 20_000);
      assert.equal(line, `[+]leader-election ok (leader: ${leader.name}, this master: ${m === leader ? "leader" : "follower"})`);
    }
    assert.ok(loggedAt(leader, "leader components started", 0), "the leader runs the leader components");
    // The leader keeps etcd's raft leadership on another master's member (raft-leader-mover.ts),
    // so losing the leader's host does not also cost a raft election.
    const raftLeader = await eventually("etcd's raft leader on a follower's member", async () => {
      const address = await raftLeaderAddress(cluster);
      return address !== undefined && address !== leader.address ? address : undefined;
    }, 30_000);
    assert.ok(followers.some((f) => f.address === raftLeader));
    for (const f of followers) assert.equal(loggedAt(f, "leader components started", 0), undefined, `${f.name} never started leader components`);
    const before = (await lease(cluster))!;
    assert.equal(before.duration, LEASE_TTL_SECONDS);
    assert.ok(before.epoch > 0);

    // Every master serves the API (active-active): write through one, read through another.
    await cluster.kubectlOk(["create", "configmap", "ha-before", "--from-literal=k=v"], followers[0]);
    assert.equal((await cluster.kubectlOk(["get", "configmap", "ha-before", "-o", "jsonpath={.data.k}"], followers[1])).trim(), "v");

    // Kill the leader outright. Its etcd member goes with it (parent-death signal).
    const killedAt = Date.now();
    await leader.kill("SIGKILL");
    t.diagnostic(`killed ${leader.name} (pid ${leader.process.pid}); its host has no process left after ${Date.now() - killedAt}ms`);

    // The cluster stays writable on two of three etcd members, before and after the takeover.
    await cluster.kubectlOk(["create", "configmap", "ha-during", "--from-literal=k=v"], followers[0], { timeoutMs: 30_000 });

    const next = await eventually("a new Lease holder", async () => {
      const l = await lease(cluster, followers[0]);
      return l && l.holder !== leader.name ? l : undefined;
    }, 4 * LEASE_TTL_SECONDS * 1000);
    const successor = cluster.master(next.holder);
    assert.ok(followers.includes(successor));
    const started = await eventually("the successor's components", async () => loggedAt(successor, "leader components started", killedAt), 10_000);
    const became = loggedAt(successor, "became leader; starting leader components", killedAt)!;
    const takeoverMs = started.time - killedAt;
    t.diagnostic(`takeover: ${(takeoverMs / 1000).toFixed(1)}s (kill of ${leader.name} → ${successor.name}'s leader components started; lease TTL ${LEASE_TTL_SECONDS}s)`);
    console.log(`takeover: ${(takeoverMs / 1000).toFixed(1)}s`);

    assert.equal(next.transitions, before.transitions + 1);
    assert.ok(next.epoch > before.epoch, `epoch ${next.epoch} follows ${before.epoch}`);
    assert.equal(started.epoch, next.epoch);
    // Not before the dead leader's lease could have expired, and not much after.
    assert.ok(takeoverMs >= (LEASE_TTL_SECONDS - 3.5) * 1000, `takeover after ${takeoverMs}ms is faster than the lease allows`);
    assert.ok(takeoverMs <= (LEASE_TTL_SECONDS + 8) * 1000, `takeover took ${takeoverMs}ms`);
    const other = followers.find((m) => m !== successor)!;
    assert.equal(loggedAt(other, "leader components started", 0), undefined, `${other.name} never led`);
    assert.equal(electionLine(await cluster.readyz(successor)), `[+]leader-election ok (leader: ${successor.name}, this master: leader)`);
    await eventually(`${other.name} to follow ${successor.name}`, async () => (electionLine(await cluster.readyz(other)) === `[+]leader-election ok (leader: ${successor.name}, this master: follower)` ? true : undefined), 10_000);

    // Still writable, and the leader components work on the successor: deleting a namespace
    // completes only when the namespace controller (a leader component) empties it.
    await cluster.kubectlOk(["create", "namespace", "ha-after"], other);
    await cluster.kubectlOk(["create", "configmap", "c", "-n", "ha-after", "--from-literal=k=v"], other);
    await cluster.kubectlOk(["delete", "namespace", "ha-after", "--timeout=60s"], successor, { timeoutMs: 90_000 });
    assert.match((await cluster.kubectl(["get", "namespace", "ha-after"], other)).stderr, /NotFound|not found/);
    assert.equal((await cluster.kubectlOk(["get", "configmaps", "-o", "name"], other)).split("\n").filter((l) => l.startsWith("configmap/ha-")).sort().join(","), "configmap/ha-before,configmap/ha-during");

    // The killed master comes back on its data dir as a follower; the successor keeps leading.
    await leader.restart();
    const rejoined = await eventually(`${leader.name} to see the leader`, async () => {
      const l = electionLine(await cluster.readyz(leader));
      return l?.includes(`leader: ${successor.name},`) ? l : undefined;
    }, 30_000);
    assert.equal(rejoined, `[+]leader-election ok (leader: ${successor.name}, this master: follower)`);
    assert.equal((await lease(cluster, leader))?.holder, successor.name);

    await mkdir(path.dirname(RESULTS), { recursive: true });
    await writeFile(
      RESULTS,
      `${JSON.stringify(
        {
          benchmark: "ha-failover",
          date: new Date().toISOString(),
          machine: { cpus: os.cpus().length, memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10, node: process.version },
          masters: cluster.masters.length,
          etcdMembers: cluster.masters.length,
          leaseTtlSeconds: LEASE_TTL_SECONDS,
          killed: leader.name,
          successor: successor.name,
          epochs: { before: before.epoch, after: next.epoch },
          takeover: {
            seconds: Math.round(takeoverMs) / 1000,
            wonElectionSeconds: Math.round(became.time - killedAt) / 1000,
            componentsStartSeconds: Math.round(started.time - became.time) / 1000,
            measuredFrom: "SIGKILL of the leader's master process",
            measuredTo: "the successor's 'leader components started' log line",
          },
        },
        null,
        2,
      )}\n`,
    );
  } catch (err) {
    for (const m of cluster.masters) t.diagnostic(`--- ${m.name} output (tail) ---\n${m.output().split("\n").slice(-40).join("\n")}`);
    throw err;
  } finally {
    await cluster.stop();
  }
  const { execFileSync } = await import("node:child_process");
  assert.ok(!execFileSync("ip", ["netns", "list"], { encoding: "utf8" }).includes(cluster.net.id), "every test namespace was deleted");
});
