// Growing a cluster and taking masters out again: `gantry init` starts the first master alone (a
// one-member etcd); the second and third join it with the printed `gantry join --control-plane
// --certificate-key` command (the uploaded CAs, etcd MemberAdd over TLS as a learner, then
// promoted). Afterwards etcd has three voting members, every master serves the API with the
// shared CA, and all agree on one leader (the first). Then:
//   - the first master is killed with -9: a master that joined with --control-plane takes over
//     (the takeover time, kill → its leader components started, is measured from the masters' own
//     log timestamps and printed); the first comes back on its data dir as a follower;
//   - a graceful stop of the new leader hands over at once (its lease is revoked);
//   - `gantry reset` on that stopped master's host removes its etcd member through the others and
//     deletes its state; `gantry reset` on a running master's host also stops it and removes its
//     systemd unit; the last master goes on alone.

import assert from "node:assert/strict";
import { access, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { writeUnit } from "../cli/install";
import { startHaCluster, type HaCluster, type HaMaster } from "./helpers/ha-cluster";
import { electionLine, leaderLease, loggedAt } from "./helpers/ha-observe";
import { waitFor } from "./helpers/wait";

const GANTRY = path.resolve(__dirname, "../cli/gantry.js");
const LEASE_TTL_SECONDS = 10;

const exists = (p: string) => access(p).then(() => true, () => false);

async function memberNames(cluster: HaCluster): Promise<string[]> {
  const list = await cluster.etcdctl(["member", "list", "-w", "json"]);
  assert.equal(list.code, 0, list.stderr);
  return (JSON.parse(list.stdout) as { members: { name: string }[] }).members.map((m) => m.name).sort();
}

/** `gantry reset --yes` in the master's own host, every path pointing into the test's directories. */
async function reset(m: HaMaster, unitDir: string): Promise<string> {
  const base = path.dirname(m.dataDir);
  const own = (what: string) => path.join(base, `${m.name}-${what}`);
  const r = await m.host.exec(process.execPath, [
    GANTRY, "reset", "--yes",
    "--master-data-dir", m.dataDir,
    "--admin-kubeconfig", path.join(base, `${m.name}.admin.conf`),
    "--agent-data-dir", own("agent"), "--agent-run-dir", own("agent-run"), "--agent-kubeconfig", own("agent.conf"),
    "--master-pid-file", own("master.pid"), "--agent-pid-file", own("agent.pid"),
    "--unit-dir", unitDir,
  ], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `gantry reset on ${m.name} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

test("masters join with --control-plane; kill -9 of the first hands over to a joined one; a graceful stop hands over at once; gantry reset takes masters out", { timeout: 480_000 }, async (t) => {
  const cluster = await startHaCluster({ bootstrap: "join", leaseTtlSeconds: LEASE_TTL_SECONDS });
  const unitDir = await mkdtemp(path.join(os.tmpdir(), "gantry-units-"));
  try {
    const [m1, m2, m3] = cluster.masters;
    const list = await cluster.etcdctl(["member", "list", "-w", "json"]);
    assert.equal(list.code, 0, list.stderr);
    const members = (JSON.parse(list.stdout) as { members: { name: string; peerURLs: string[]; isLearner?: boolean }[] }).members;
    assert.deepEqual(members.map((m) => m.name).sort(), ["m1", "m2", "m3"]);
    assert.ok(members.every((m) => !m.isLearner), "all voting members");
    for (const m of cluster.masters) assert.ok(members.some((x) => x.name === m.name && x.peerURLs.includes(`https://${m.address}:2380`)));

    // m1 was alone when it started, so it won; the others follow it.
    for (const m of cluster.masters) {
      const line = (await cluster.readyz(m))?.split("\n").find((l) => l.includes("leader-election"));
      assert.equal(line, `[+]leader-election ok (leader: m1, this master: ${m === m1 ? "leader" : "follower"})`);
    }
    // One CA: m3's admin credentials work against m2, and writes through m3 are read through m1.
    await cluster.kubectlOk(["create", "configmap", "joined", "--from-literal=k=v"], m3);
    assert.equal((await cluster.kubectlOk(["get", "configmap", "joined", "-o", "jsonpath={.data.k}"], m1)).trim(), "v");
    // One encryption-at-rest key: a Secret written through m1 (encrypted in etcd) is read through m3.
    await cluster.kubectlOk(["create", "secret", "generic", "shared-key", "--from-literal=k=s3cret"], m1);
    assert.equal((await cluster.kubectlOk(["get", "secret", "shared-key", "-o", "jsonpath={.data.k}"], m3)).trim(), Buffer.from("s3cret").toString("base64"));
    const viaOtherKubeconfig = await cluster.client.exec("kubectl", ["--kubeconfig", m3.kubeconfig, "--server", `https://${m2.address}:6443`, "get", "ns", "default", "-o", "name"]);
    assert.equal(viaOtherKubeconfig.code, 0, viaOtherKubeconfig.stderr);

    // kill -9 of the first master: a joined master takes over once m1's lease runs out.
    const before = (await leaderLease(cluster, m2))!;
    const killedAt = Date.now();
    await m1.kill("SIGKILL");
    await cluster.kubectlOk(["create", "configmap", "during-takeover"], m2, { timeoutMs: 30_000 });
    const next = await waitFor("a joined master to hold the lease", async () => {
      const l = await leaderLease(cluster, m2);
      return l && l.holder !== "m1" ? l : undefined;
    }, 4 * LEASE_TTL_SECONDS * 1000, 250);
    const successor = cluster.master(next.holder);
    assert.ok(successor === m2 || successor === m3, `new holder "${next.holder}"`);
    const started = await waitFor(`${successor.name}'s leader components`, () => loggedAt(successor, "leader components started", killedAt), 10_000, 200);
    const takeoverMs = started.time - killedAt;
    t.diagnostic(`takeover after kill -9 of m1: ${(takeoverMs / 1000).toFixed(1)}s (→ ${successor.name}'s leader components started; lease TTL ${LEASE_TTL_SECONDS}s)`);
    assert.ok(next.epoch > before.epoch, `epoch ${next.epoch} follows ${before.epoch}`);
    assert.ok(takeoverMs <= (LEASE_TTL_SECONDS + 8) * 1000, `takeover took ${takeoverMs}ms`);
    const other = successor === m2 ? m3 : m2;
    // The leader components run on the successor: deleting a namespace completes only when the
    // namespace controller empties it.
    await cluster.kubectlOk(["create", "namespace", "after-kill"], other);
    await cluster.kubectlOk(["create", "configmap", "c", "-n", "after-kill"], other);
    await cluster.kubectlOk(["delete", "namespace", "after-kill", "--timeout=60s"], successor, { timeoutMs: 90_000 });

    // m1 comes back on its data dir as a follower.
    await m1.restart();
    await waitFor("m1 to follow the successor", async () => electionLine(await cluster.readyz(m1)) === `[+]leader-election ok (leader: ${successor.name}, this master: follower)`, 30_000, 300);

    // A graceful stop hands over at once: the stopping leader revokes its lease, so another
    // master wins far sooner than the 10 s TTL (timed from the winner's own log line; the visible
    // Lease object follows when the winner's write gets through).
    const stoppedAt = Date.now();
    await successor.kill("SIGTERM");
    const won = await waitFor("another master to win after the graceful stop", () => {
      const winner = [m1, other].find((m) => loggedAt(m, "became leader; starting leader components", stoppedAt));
      return winner && { winner, at: loggedAt(winner, "became leader; starting leader components", stoppedAt)!.time };
    }, 4 * LEASE_TTL_SECONDS * 1000, 100);
    const handover = won.at - stoppedAt;
    t.diagnostic(`graceful handover from ${successor.name} to ${won.winner.name}: ${handover}ms after SIGTERM`);
    assert.ok(handover < 5000, `handover took ${handover}ms`);
    await waitFor(`the Lease to name ${won.winner.name}`, async () => (await leaderLease(cluster, other))?.holder === won.winner.name, 30_000, 300);

    // gantry reset on the stopped master's host: its member leaves through the others; its state goes.
    const stoppedOut = await reset(successor, unitDir);
    assert.match(stoppedOut, new RegExp(`removed etcd member "${successor.name}"`));
    assert.deepEqual(await memberNames(cluster), ["m1", other.name].sort());
    assert.equal(await exists(successor.dataDir), false, "the data dir is deleted");
    assert.equal(await exists(path.join(path.dirname(successor.dataDir), `${successor.name}.admin.conf`)), false, "the admin kubeconfig is deleted");

    // gantry reset on a running master's host (installed as a unit too): member removed, the
    // master stopped, the unit removed; m1 goes on alone.
    const unitFile = await writeUnit("master", ["--data-dir", other.dataDir], unitDir);
    const runningOut = await reset(other, unitDir);
    assert.match(runningOut, new RegExp(`removed etcd member "${other.name}"`));
    assert.match(runningOut, /stopped, disabled and removed .*gantry-master\.service/);
    assert.equal(await exists(unitFile), false, "the unit file is removed");
    await waitFor(`${other.name}'s master to exit`, () => !other.running(), 10_000);
    assert.equal(await exists(other.dataDir), false, "the data dir is deleted");
    assert.deepEqual(await memberNames(cluster), ["m1"]);
    await waitFor("m1 to lead alone", async () => (await leaderLease(cluster, m1))?.holder === "m1", 4 * LEASE_TTL_SECONDS * 1000, 300);
    await cluster.kubectlOk(["create", "configmap", "after-reset"], m1);
  } catch (err) {
    for (const m of cluster.masters) t.diagnostic(`--- ${m.name} output (tail) ---\n${m.output().split("\n").slice(-30).join("\n")}`);
    throw err;
  } finally {
    await cluster.stop();
    await rm(unitDir, { recursive: true, force: true });
  }
});
