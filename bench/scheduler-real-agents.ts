// Scheduler benchmark, second workload: 200 pods across the 2 real agents with real containers,
// create -> Running.
//
// The cluster is test/helpers/cluster.ts: one real `gantry master`, two real `gantry agent`
// processes (runc + conmon), a registry holding gantry/busybox:1, each in its own network
// namespace. Everything goes through the API with the real kubectl, run in the test's client host.
//
//  1. Pre-pull: one bare pod per node (spec.nodeName set, so the scheduler is not involved) running
//     gantry/busybox:1; wait for both Running, delete them. Image pulls are therefore not measured.
//  2. Start `kubectl get pods -w` in the client host (jsonpath, one line per watch event) and record,
//     per pod, when it is first seen and when it is first seen phase Running with every container
//     ready (time of arrival of the watch line in this process).
//  3. t0, then `kubectl create` of ONE Deployment with 200 replicas of gantry/busybox:1 running
//     `sleep 3600`, requests cpu 5m / memory 8Mi. The ReplicaSet controller creates the pods,
//     the scheduler binds them, the agents start them.
//  4. Report: t0 -> last pod Running+ready (total seconds, pods/s), per pod t0 -> Running+ready and
//     first-seen -> Running+ready percentiles, pods per node.
//  5. Delete the Deployment, wait until no pod is listed and both agents' runc roots are empty, stop
//     the cluster (which also removes the namespaces, mounts, cgroups and files).

import os from "node:os";
import { performance } from "node:perf_hooks";
import type { ChildProcess } from "node:child_process";
import { startCluster, type GantryCluster } from "../test/helpers/cluster";
import { percentile, round } from "./stats";

const PODS = Number(process.env.BENCH_SCHED_REAL_PODS ?? 200);
const NAME = "bench-real";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, timeoutMs: number, probe: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

interface PodSeen {
  firstSeen: number;
  running?: number;
  node?: string;
}

const WATCH_TEMPLATE = '{.metadata.name}|{.spec.nodeName}|{.status.phase}|{.status.containerStatuses[*].ready}|{.metadata.deletionTimestamp}{"\\n"}';

/** Pods of the bench Deployment as seen by a kubectl watch in the client host. */
function watchPods(c: GantryCluster, prefix: string): { pods: Map<string, PodSeen>; lines: () => number; child: ChildProcess } {
  const pods = new Map<string, PodSeen>();
  let lines = 0;
  const child = c.client.spawn("kubectl", [...c.kubectlPrefix(), "--request-timeout", "0", "get", "pods", "-w", "-o", `jsonpath=${WATCH_TEMPLATE}`], { stdio: ["ignore", "pipe", "pipe"] });
  let buf = "";
  child.stdout!.on("data", (d: Buffer) => {
    const now = performance.now();
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      lines++;
      const [name, node, phase, ready, deleting] = line.split("|");
      if (!name.startsWith(prefix)) continue;
      let p = pods.get(name);
      if (!p) pods.set(name, (p = { firstSeen: now }));
      if (node) p.node = node;
      const allReady = ready !== undefined && ready.trim() !== "" && ready.trim().split(/\s+/).every((r) => r === "true");
      if (p.running === undefined && phase === "Running" && allReady && !deleting) p.running = now;
    }
  });
  child.stderr!.on("data", () => {});
  return { pods, lines: () => lines, child };
}

async function podNames(c: GantryCluster): Promise<string[]> {
  const out = await c.kubectlOk(["get", "pods", "-o", 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}']);
  return out.split("\n").map((s) => s.trim()).filter(Boolean);
}

export async function runRealAgentsWorkload(): Promise<Record<string, unknown>> {
  const c = await startCluster();
  let watch: ReturnType<typeof watchPods> | undefined;
  try {
    const img = `${c.registry}/gantry/busybox:1`;
    const nodes = c.agents.map((a) => a.name);

    // 1. Pre-pull, one pinned pod per node.
    const prepullStart = performance.now();
    for (const n of nodes) {
      const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: `prepull-${n}` }, spec: { nodeName: n, containers: [{ name: "main", image: img, command: ["sleep", "3600"] }] } };
      await c.kubectlOk(["create", "-f", "-"], { input: JSON.stringify(pod) });
    }
    await until("the pre-pull pods Running", 180_000, async () => {
      const out = await c.kubectlOk(["get", "pods", "-o", 'jsonpath={range .items[*]}{.metadata.name} {.status.phase}{"\\n"}{end}']);
      return nodes.every((n) => new RegExp(`^prepull-${n} Running$`, "m").test(out));
    });
    await c.kubectlOk(["delete", "pod", ...nodes.map((n) => `prepull-${n}`), "--wait=false"]);
    await until("the pre-pull pods gone", 120_000, async () => (await podNames(c)).length === 0);
    const prepullSeconds = (performance.now() - prepullStart) / 1000;

    // 2. Watch.
    watch = watchPods(c, `${NAME}-`);
    await sleep(2000);
    if (watch.child.exitCode !== null) throw new Error(`kubectl watch exited ${watch.child.exitCode}`);

    // 3. Create.
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: NAME },
      spec: {
        replicas: PODS,
        selector: { matchLabels: { app: NAME } },
        template: {
          metadata: { labels: { app: NAME } },
          spec: { containers: [{ name: "main", image: img, command: ["sleep", "3600"], resources: { requests: { cpu: "5m", memory: "8Mi" } } }] },
        },
      },
    };
    const load = os.loadavg();
    const t0 = performance.now();
    await c.kubectlOk(["create", "-f", "-"], { input: JSON.stringify(deployment) });
    const createAcked = performance.now();
    const w = watch;
    const running = () => [...w.pods.values()].filter((p) => p.running !== undefined).length;
    const timeline: [number, number, number, number][] = [];
    const sampler = setInterval(() => timeline.push([round((performance.now() - t0) / 1000, 1), w.pods.size, [...w.pods.values()].filter((p) => p.node).length, running()]), 1000);
    try {
      await until(`${PODS} pods Running and ready`, 600_000, () => running() >= PODS);
    } catch (err) {
      const out = await c.kubectl(["get", "pods", "-o", "wide"]);
      throw new Error(`${(err as Error).message} (${running()} running, ${w.pods.size} seen)\n${out.stdout.split("\n").slice(0, 20).join("\n")}\n${c.agents.map((a) => `--- ${a.name}:\n${a.output().slice(-1500)}`).join("\n")}`);
    } finally {
      clearInterval(sampler);
    }
    const seen = [...w.pods.values()].slice(0, PODS);
    const lastRunning = Math.max(...seen.map((p) => p.running!));
    const totalSeconds = (lastRunning - t0) / 1000;
    const fromCreate = seen.map((p) => p.running! - t0).sort((a, b) => a - b);
    const fromSeen = seen.map((p) => p.running! - p.firstSeen).sort((a, b) => a - b);
    const pct = (xs: number[]) => ({ p50: round(percentile(xs, 50)), p90: round(percentile(xs, 90)), p99: round(percentile(xs, 99)), max: round(xs.at(-1) ?? 0) });
    const perNode: Record<string, number> = Object.fromEntries(nodes.map((n) => [n, 0]));
    for (const p of seen) if (p.node) perNode[p.node] = (perNode[p.node] ?? 0) + 1;
    const containersPerNode: Record<string, number> = {};
    for (const a of c.agents) containersPerNode[a.name] = (await a.containers()).length;

    // 5. Delete and wait for empty nodes.
    const delStart = performance.now();
    await c.kubectlOk(["delete", "deployment", NAME, "--wait=false"]);
    await until("every pod deleted", 600_000, async () => (await podNames(c)).length === 0);
    await until("both agents' runc roots empty", 300_000, async () => {
      for (const a of c.agents) if ((await a.containers()).length > 0) return false;
      return true;
    });
    const deleteSeconds = (performance.now() - delStart) / 1000;

    return {
      workload: `${nodes.length}RealAgents_${PODS}Pods`,
      schedulerRunsIn: "a real gantry master process (leader components: scheduler, ReplicaSet/Deployment controllers, ...)",
      nodes: { count: nodes.length, kind: "real agents (runc + conmon) in network namespaces", names: nodes },
      pods: {
        count: PODS,
        createdThrough: `ONE Deployment (kubectl create -f -, in the client netns) with ${PODS} replicas; the ReplicaSet controller creates the pods`,
        image: "gantry/busybox:1 (pre-pulled on both nodes by one pinned pod per node before timing)",
        command: "sleep 3600",
        requests: { cpu: "5m", memory: "8Mi" },
      },
      observedThrough: "kubectl get pods -w -o jsonpath in the client netns; a pod counts as Running when a watch event shows phase Running and every containerStatuses[].ready true (arrival time of that line here)",
      loadAverageAtStart: load.map((l) => round(l, 2)),
      setup: { prepullSeconds: round(prepullSeconds, 1) },
      deploymentCreateAckMs: round(createAcked - t0),
      createToAllRunningSeconds: round(totalSeconds, 2),
      podsPerSecond: round(PODS / totalSeconds, 1),
      latencyMs: {
        deploymentCreateToPodRunning: pct(fromCreate),
        podFirstSeenToRunning: pct(fromSeen),
      },
      podsPerNode: perNode,
      runcContainersPerNodeAtPeak: containersPerNode,
      deleteToNodesEmptySeconds: round(deleteSeconds, 1),
      timeline: { columns: ["seconds", "podsSeen", "podsBound", "podsRunningReady"], rows: timeline },
    };
  } finally {
    if (watch && watch.child.exitCode === null) watch.child.kill("SIGTERM");
    const problems = await c.stop();
    if (problems.length > 0) console.error(`real-agents cluster cleanup: ${problems.join("; ")}`);
  }
}
