// `gantry supervise` around the real daemons, as `make up` runs them where systemd is not PID 1:
// a real `gantry master` and a real `gantry agent` (in test hosts, helpers/cluster.ts), each under
// its supervisor. kill -9 of the master: it is back within seconds with the same data and the
// API answers; kill -9 of the agent: it is back, the node is Ready again (a Lease renewed after
// the new agent started) and the pod's container was not restarted (same runc container,
// restartCount 0).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { startCluster, type GantryCluster } from "./helpers/cluster";
import { waitFor } from "./helpers/wait";

let c: GantryCluster;
let image = "";

before(async () => {
  c = await startCluster({ agents: ["node-a"], supervise: true });
  image = `${c.registry}/gantry/busybox:1`;
});

after(async () => {
  const problems = await c?.stop();
  if (problems?.length) throw new Error(`cleanup: ${problems.join("; ")}`);
});

interface PodStatus {
  metadata: { uid: string };
  status: { phase?: string; containerStatuses?: { restartCount: number; containerID?: string; ready: boolean }[] };
}

async function pod(name: string): Promise<PodStatus> {
  return JSON.parse(await c.kubectlOk(["get", "pod", name, "-o", "json"])) as PodStatus;
}

/** When process `pid` started, in ms since the epoch (from /proc, 10 ms precision). */
function startedAtMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const startTicks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
  const uptimeS = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
  return Date.now() - (uptimeS - startTicks / 100) * 1000;
}

async function leaseRenewedMs(node: string): Promise<number> {
  const renew = (await c.kubectlOk(["get", "lease", "-n", "kube-node-lease", node, "-o", "jsonpath={.spec.renewTime}"])).trim();
  return renew ? Date.parse(renew) : 0;
}

test("kill -9 of a supervised master: back within seconds, same data, the API answers", async () => {
  await c.kubectlOk(["create", "configmap", "survivor", "--from-literal=k=v1"]);
  const uid = (await c.kubectlOk(["get", "configmap", "survivor", "-o", "jsonpath={.metadata.uid}"])).trim();
  const supervisor = c.masterPid();
  const first = c.masterDaemonPid();
  assert.ok(first && supervisor && first !== supervisor, "a master daemon runs under its supervisor");

  const killedAt = Date.now();
  process.kill(first, "SIGKILL");
  const second = await waitFor("a new master process", () => { const p = c.masterDaemonPid(); return p !== undefined && p !== first && p; }, 10_000, 20);
  const respawnMs = Date.now() - killedAt;
  assert.ok(respawnMs < 3000, `master restarted ${respawnMs} ms after kill -9`);
  assert.equal(c.masterPid(), supervisor, "the same supervisor");

  await waitFor("the API to answer", async () => (await c.kubectl(["get", "--raw", "/readyz"], { timeoutMs: 5000 })).code === 0, 60_000, 200);
  const answeredMs = Date.now() - killedAt;
  assert.equal((await c.kubectlOk(["get", "configmap", "survivor", "-o", "jsonpath={.metadata.uid} {.data.k}"])).trim(), `${uid} v1`);
  assert.notEqual(c.masterDaemonPid(), undefined);
  assert.equal(c.masterDaemonPid(), second, "no further restarts");
  console.log(`master: respawned after ${respawnMs} ms, API answered after ${answeredMs} ms`);
});

test("kill -9 of a supervised agent: back, node Ready with a fresh Lease, the container not restarted", async () => {
  const a = c.agent("node-a");
  await c.kubectlOk(["run", "sleeper", `--image=${image}`, "--overrides", '{"spec":{"nodeName":"node-a"}}', "--", "sleep", "3600"]);
  await waitFor("the pod to run", async () => (await pod("sleeper")).status.containerStatuses?.[0]?.ready === true, 120_000, 250);
  const before = await pod("sleeper");
  const containersBefore = await a.containers();
  assert.equal(containersBefore.length, 1);

  const first = a.daemonPid();
  assert.ok(first && first !== a.pid(), "an agent daemon runs under its supervisor");
  const killedAt = Date.now();
  process.kill(first, "SIGKILL");
  const second = await waitFor("a new agent process", () => { const p = a.daemonPid(); return p !== undefined && p !== first && p; }, 10_000, 20);
  const respawnMs = Date.now() - killedAt;
  assert.ok(respawnMs < 3000, `agent restarted ${respawnMs} ms after kill -9`);
  const secondStarted = startedAtMs(second);

  await waitFor("the node's Lease renewed by the new agent's session, and the node Ready", async () => {
    if ((await leaseRenewedMs("node-a")) <= secondStarted) return false;
    const ready = await c.kubectlOk(["get", "node", "node-a", "-o", 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
    return ready.trim() === "True";
  }, 60_000, 250);
  const readyMs = Date.now() - killedAt;

  assert.deepEqual(await a.containers(), containersBefore, "the same runc container");
  const after = await pod("sleeper");
  assert.equal(after.metadata.uid, before.metadata.uid);
  assert.equal(after.status.containerStatuses?.[0]?.restartCount, 0);
  assert.equal(after.status.containerStatuses?.[0]?.containerID, before.status.containerStatuses?.[0]?.containerID);
  assert.equal(a.daemonPid(), second, "no further restarts");
  console.log(`agent: respawned after ${respawnMs} ms, node Ready with a fresh Lease after ${readyMs} ms`);
});
