// Scheduler throughput, latency and packing quality, with raw etcd transaction throughput measured
// in the same run as the reference.
//
// Where the scheduler runs (BENCH_SCHED_MODE, comma-separated; default "master,in-process"):
//  - "master", the headline: a real `gantry master` process; the scheduler runs inside it as a
//    leader component, next to the API server, the controllers and the dispatcher, all of which
//    see the 5,000 nodes and 10,000 pods too. The master runs with a node monitor grace period
//    of 300 s, the longest it accepts (a run takes about a minute): hollow nodes send no
//    heartbeats, and the run must not measure the node lifecycle controller declaring them NotReady.
//  - "in-process": a real etcd member (startTestEtcd) and the production Scheduler component in
//    this process, built as master/leader-components.ts builds it. This measures the scheduler
//    alone, and adds the scheduler's own view (binds acknowledged, pending -> bound latency).
//
// Nodes are HOLLOW: simulated Node objects (capacity + Ready condition) in etcd, named
// hollow-node-N and labelled gantry.dev/hollow-node=true; no agent runs them.
//
// How objects are created: this process runs the master's own admission (defaults, validation,
// uid, timestamps) on every Node and Pod before the clock starts, then writes them straight into
// the master's etcd in batched create transactions (100 per transaction). Going through HTTPS
// instead would measure the API (bench/api.ts does that), and on two shared cores would cap the
// arrival rate far below what the scheduler can take. Declarative workloads in the spirit of
// kube-scheduler's scheduler_perf: name, nodes, pods, request mix.
//
// Besides throughput and latency, each run reports the CPU seconds the scheduler's process used
// while pods were being bound: on two shared cores the wall-clock numbers swing with whatever else
// runs, CPU seconds much less. BENCH_SCHED_MASTER_CPU_PROF=<dir> writes a CPU profile of the
// master (see withMasterNodeFlags).

import os from "node:os";
import path from "node:path";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { KubeObject } from "../api/object";
import { findResource, storageKey, type ResourceType } from "../api/resources";
import { admitCreate } from "../master/apiserver/admission";
import { ApiContext } from "../master/apiserver/context";
import { ResourceClient } from "../master/apiserver/internal-client";
import { Informer } from "../master/cache/informer";
import { encodeObject } from "../master/store/etcd-codec";
import { EtcdStore } from "../master/store/etcd-store";
import { casBatch } from "../master/scheduler/txn-batch";
import { startMaster } from "../test/helpers/master-process";
import { createLogger } from "../master/log";
import { createScheduler, type Scheduler } from "../master/scheduler";
import { startTestEtcd } from "../master/store/testing";
import { schedulerChart } from "./scheduler-chart";
import { percentile, round, runConcurrent } from "./stats";

interface Workload {
  name: string;
  nodes: number;
  pods: number;
  node: { cpu: string; memory: string; pods: string; milliCpu: number; memoryBytes: number; podSlots: number };
  /** Uniform over these steps, from a fixed seed. */
  podMilliCpu: { min: number; max: number; step: number };
  podMemoryMi: { min: number; max: number; step: number };
  seed: number;
}

const Gi = 1024 ** 3;
const Mi = 1024 ** 2;

export const WORKLOADS: Workload[] = [
  {
    name: "5000Nodes_10000Pods",
    nodes: Number(process.env.BENCH_SCHED_NODES ?? 5000),
    pods: Number(process.env.BENCH_SCHED_PODS ?? 10000),
    node: { cpu: "8", memory: "32Gi", pods: "110", milliCpu: 8000, memoryBytes: 32 * Gi, podSlots: 110 },
    podMilliCpu: { min: 100, max: 2000, step: 100 },
    podMemoryMi: { min: 128, max: 4096, step: 128 },
    seed: 20260101,
  },
];

const CONCURRENCY = 64;
const PODS = findResource("", "v1", "pods")!;
const NODES = findResource("", "v1", "nodes")!;
const NAMESPACES = findResource("", "v1", "namespaces")!;
const NS = "bench-scheduler";

/** mulberry32: small, fast, reproducible. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (rand: () => number, r: { min: number; max: number; step: number }) => r.min + Math.floor(rand() * ((r.max - r.min) / r.step + 1)) * r.step;

function hollowNode(w: Workload, i: number): KubeObject {
  const capacity = { cpu: w.node.cpu, memory: w.node.memory, pods: w.node.pods };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: `hollow-node-${i}`, labels: { "kubernetes.io/hostname": `hollow-node-${i}`, "gantry.dev/hollow-node": "true" } },
    spec: {},
    status: { capacity, allocatable: capacity, conditions: [{ type: "Ready", status: "True", reason: "HollowNode", message: "simulated node: no agent" }] },
  };
}

function benchPod(name: string, milliCpu: number, memoryMi: number): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS, labels: { app: "bench" } },
    spec: { containers: [{ name: "app", image: "registry.invalid/pause:1", resources: { requests: { cpu: `${milliCpu}m`, memory: `${memoryMi}Mi` } } }] },
  };
}

/** Admission as the API server runs it; CPU only, done before any clock starts. */
async function admitAll(ctx: ApiContext, r: ResourceType, objects: KubeObject[]): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const o of objects) out.push(await admitCreate(ctx, r, o, o.metadata.namespace));
  return out;
}

/**
 * Creates admitted objects in transactions of `batch` (compare mod_revision = 0: the key must not
 * exist, the store's create rule), `concurrency` transactions in flight. `onCreated(i)` fires as
 * each object's transaction is acknowledged.
 */
async function createBatched(store: EtcdStore, r: ResourceType, objects: KubeObject[], batch: number, concurrency: number, onCreated: (i: number) => void = () => {}): Promise<number> {
  const batches = Math.ceil(objects.length / batch);
  return runConcurrent(batches, concurrency, async (b) => {
    const idx = Array.from({ length: Math.min(batch, objects.length - b * batch) }, (_, j) => b * batch + j);
    const writes = idx.map((i) => ({ key: storageKey(r, objects[i].metadata.namespace, objects[i].metadata.name!), expectedModRevision: "0", value: encodeObject(objects[i]) }));
    const out = await retryTooManyRequests(() => casBatch(store.client, writes));
    out.forEach((o, j) => {
      if (!o.ok) throw new Error(`${objects[idx[j]].metadata.name} exists already`);
      onCreated(idx[j]);
    });
  });
}

/**
 * etcd answers "too many requests" while its applied index lags far behind the committed one (a
 * loaded disk on a shared machine); the write was not applied, so it is safe to send again.
 */
async function retryTooManyRequests<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= 50 || !String(err).includes("too many requests")) throw err;
      await new Promise((r) => setTimeout(r, 100 * Math.min(attempt, 10)));
    }
  }
}

async function until(what: string, probe: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Raw etcd: batches of compare(mod_revision)+put on fresh keys, the shape of a bind transaction. */
async function etcdTxnBaseline(store: EtcdStore, payload: Buffer, keys: number, batch: number, concurrency: number) {
  const kv = store.client.kv;
  const revs: string[] = [];
  await runConcurrent(keys, CONCURRENCY, async (i) => {
    revs[i] = (await store.client.put(`/bench/txn/${i}`).value(payload).exec()).header.revision;
  });
  const batches = Math.ceil(keys / batch);
  const seconds = await runConcurrent(batches, concurrency, async (b) => {
    const idx = Array.from({ length: Math.min(batch, keys - b * batch) }, (_, j) => b * batch + j);
    const res = await kv.txn({
      compare: idx.map((i) => ({ key: Buffer.from(`/bench/txn/${i}`), target: "Mod" as const, result: "Equal" as const, mod_revision: revs[i] })),
      success: idx.map((i) => ({ request_put: { key: Buffer.from(`/bench/txn/${i}`), value: payload } })),
    });
    if (!res.succeeded) throw new Error("baseline transaction lost a compare; nothing else writes these keys");
  });
  await store.client.delete().prefix("/bench/txn/");
  return { keys, batchSize: batch, concurrency, seconds: round(seconds, 3), txnsPerSecond: round(batches / seconds), keysPerSecond: round(keys / seconds) };
}

interface Cluster {
  mode: "in-process" | "master";
  store: EtcdStore;
  ctx: ApiContext;
  scheduler?: Scheduler;
  /** CPU seconds (user + system) the process running the scheduler has used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** User + system CPU seconds of a process, from /proc (Linux); NaN where there is none. */
function procCpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS = 100;

/**
 * Profiling hooks for the master child, reaching it (and only it) through NODE_OPTIONS while it is
 * spawned:
 *  - BENCH_SCHED_MASTER_NODE_FLAGS: node flags NODE_OPTIONS accepts (e.g. --max-old-space-size=4096);
 *  - BENCH_SCHED_MASTER_CPU_PROF=<dir>: a CPU profile of the master, <dir>/master-<pid>.cpuprofile,
 *    written when it exits (Node 20 refuses --cpu-prof in NODE_OPTIONS, so a --require'd preload
 *    runs the inspector's profiler instead).
 */
async function withMasterNodeFlags<T>(start: () => Promise<T>): Promise<T> {
  const flags = [process.env.BENCH_SCHED_MASTER_NODE_FLAGS ?? ""];
  const profDir = process.env.BENCH_SCHED_MASTER_CPU_PROF;
  if (profDir) {
    mkdirSync(profDir, { recursive: true });
    const preload = path.join(profDir, "cpu-prof-preload.js");
    writeFileSync(preload, CPU_PROF_PRELOAD);
    flags.push(`--require=${preload}`);
  }
  const extra = flags.join(" ").trim();
  if (!extra) return start();
  const saved = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = `${saved ?? ""} ${extra}`.trim();
  try {
    return await start();
  } finally {
    if (saved === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved;
  }
}

// The in-thread inspector session answers synchronously, so the profile is complete by the time
// the "exit" handler returns.
const CPU_PROF_PRELOAD = `"use strict";
const inspector = require("node:inspector");
const fs = require("node:fs");
const path = require("node:path");
const session = new inspector.Session();
session.connect();
session.post("Profiler.enable");
session.post("Profiler.start");
process.once("SIGTERM", () => {
  session.post("Profiler.stop", (err, res) => {
    if (!err) fs.writeFileSync(path.join(__dirname, "master-" + process.pid + ".cpuprofile"), JSON.stringify(res.profile));
  });
});
`;

async function startCluster(mode: string): Promise<Cluster> {
  if (mode === "master") {
    const master = await withMasterNodeFlags(() => startMaster({ args: ["--node-monitor-grace-period", "300"] }));
    const store = new EtcdStore({ endpoints: [master.etcdEndpoint] });
    return {
      mode,
      store,
      ctx: new ApiContext(store),
      cpuSeconds: () => procCpuSeconds(master.process.pid),
      async stop() {
        await store.close();
        await master.stop();
      },
    };
  }
  if (mode !== "in-process") throw new Error(`BENCH_SCHED_MODE must be in-process or master, not ${mode}`);
  const etcd = await startTestEtcd();
  const ctx = new ApiContext(etcd.store);
  const scheduler = createScheduler({ ctx, log: createLogger("bench-scheduler", "warn") });
  await scheduler.start();
  return {
    mode,
    store: etcd.store,
    ctx,
    scheduler,
    cpuSeconds: () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    },
    async stop() {
      await scheduler.stop();
      await etcd.stop();
    },
  };
}

async function runWorkload(w: Workload, mode: string) {
  const cluster = await startCluster(mode);
  const { store, ctx } = cluster;
  const informer = new Informer(store, `/registry/pods/${NS}/`);
  try {
    await ctx.namespaces.start();
    await new ResourceClient(ctx, NAMESPACES).create({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
    await until("the bench namespace in the admission cache", () => ctx.namespaces.get(NS) !== undefined, 10_000);

    const hollow = await admitAll(ctx, NODES, Array.from({ length: w.nodes }, (_, i) => hollowNode(w, i)));
    const nodeSeconds = await createBatched(store, NODES, hollow, 100, 4);
    // Let the scheduler's node watch catch up before the pods arrive.
    await new Promise((r) => setTimeout(r, 2000));

    // The request mix, fixed by the seed.
    const rand = random(w.seed);
    const mix = Array.from({ length: w.pods }, () => ({ milliCpu: pick(rand, w.podMilliCpu), memoryMi: pick(rand, w.podMemoryMi) }));

    const createdAt = new Array<number>(w.pods);
    const boundAt = new Map<string, number>();
    const boundNode = new Map<string, string>();
    const bindRevision = new Map<string, string>();
    const onPod = (p: KubeObject) => {
      const node = (p.spec as { nodeName?: string }).nodeName;
      if (!node || boundAt.has(p.metadata.name!)) return;
      boundAt.set(p.metadata.name!, performance.now());
      boundNode.set(p.metadata.name!, node);
      bindRevision.set(p.metadata.name!, p.metadata.resourceVersion!);
    };
    informer.on("add", onPod);
    informer.on("update", (_old, p) => onPod(p));
    await informer.start();

    const admitted = await admitAll(ctx, PODS, mix.map((m, i) => benchPod(`pod-${i}`, m.milliCpu, m.memoryMi)));
    const load = os.loadavg();
    const cpu0 = cluster.cpuSeconds();
    const t0 = performance.now();
    // Progress every 200 ms: created, binds acknowledged to the scheduler (in-process only), seen bound here.
    let created = 0;
    const timeline: [number, number, number | null, number][] = [];
    const sample = () => timeline.push([round((performance.now() - t0) / 1000, 2), created, cluster.scheduler?.metrics().scheduled ?? null, boundAt.size]);
    const sampler = setInterval(() => {
      sample();
      if (process.env.BENCH_SCHED_TRACE) console.log(JSON.stringify(timeline.at(-1)));
    }, 200);
    const createSeconds = await createBatched(store, PODS, admitted, 100, 4, (i) => {
      createdAt[i] = performance.now();
      created++;
    });
    await until("every pod to be bound", () => boundAt.size >= w.pods, 240_000).finally(() => clearInterval(sampler));
    const cpuSeconds = cluster.cpuSeconds() - cpu0;
    sample();
    const lastBound = Math.max(...boundAt.values());
    const totalSeconds = (lastBound - t0) / 1000;

    const latencies = mix.map((_, i) => Math.max(0, boundAt.get(`pod-${i}`)! - createdAt[i])).sort((a, b) => a - b);

    // Packing: per resource, nodes used vs ceil(total request / node capacity).
    const used = new Set(boundNode.values());
    const totalCpu = mix.reduce((s, m) => s + m.milliCpu, 0);
    const totalMem = mix.reduce((s, m) => s + m.memoryMi * Mi, 0);
    const bound = (total: number, cap: number) => Math.ceil(total / cap);
    const lowerBounds = { cpu: bound(totalCpu, w.node.milliCpu), memory: bound(totalMem, w.node.memoryBytes), pods: bound(w.pods, w.node.podSlots) };
    const lowerBound = Math.max(...Object.values(lowerBounds));
    const packing = Object.fromEntries(
      (Object.entries(lowerBounds) as [keyof typeof lowerBounds, number][]).map(([r, lb]) => {
        const cap = r === "cpu" ? w.node.milliCpu : r === "memory" ? w.node.memoryBytes : w.node.podSlots;
        const total = r === "cpu" ? totalCpu : r === "memory" ? totalMem : w.pods;
        return [r, { lowerBound: lb, nodesUsed: used.size, usedOverLowerBound: round(used.size / lb, 3), utilisationOfUsedNodes: round(total / (used.size * cap), 3) }];
      }),
    );
    const bindTxns = new Set(bindRevision.values()).size;

    // The scheduler's own view (in-process only): binds acknowledged, pending-seen -> bind-acked latency.
    const acked = timeline.find((r) => r[2] !== null && r[2] >= w.pods);
    const m = cluster.scheduler?.metrics();
    const schedulerView =
      m && acked
        ? {
            bindsAcknowledged: { note: "first create -> every binding acknowledged by etcd (200 ms sampling)", seconds: acked[0], podsPerSecond: round(w.pods / acked[0]) },
            latencyMs: { note: "pod first seen pending by the scheduler -> its binding acknowledged", p50: round(m.latencyMs.p50), p90: round(m.latencyMs.p90), p99: round(m.latencyMs.p99), max: round(m.latencyMs.max) },
          }
        : undefined;
    const payload = Buffer.from(JSON.stringify(informer.list()[0]));
    const etcdBatched = await etcdTxnBaseline(store, payload, w.pods, 100, 4);
    const etcdSingle = await etcdTxnBaseline(store, payload, Math.min(w.pods, 3000), 1, CONCURRENCY);

    const podsPerSecond = w.pods / totalSeconds;
    const chart = schedulerChart({
      title: `gantry scheduler — ${w.name} (hollow nodes: simulated Node objects, no agents)`,
      subtitle: `${os.cpus().length} shared cores (load ${load[0].toFixed(1)}); ${schedulerView ? `${schedulerView.bindsAcknowledged.podsPerSecond} pods/s create→bind acked, scheduler p50/p99 ${schedulerView.latencyMs.p50}/${schedulerView.latencyMs.p99} ms; ` : ""}watch: ${round(podsPerSecond)} pods/s, p50 ${round(percentile(latencies, 50))} ms; ${used.size} nodes used, lower bound ${lowerBound}`,
      createdAt: [...createdAt].map((t) => (t - t0) / 1000).sort((a, b) => a - b),
      boundAt: [...boundAt.values()].map((t) => (t - t0) / 1000).sort((a, b) => a - b),
      acked: cluster.scheduler ? timeline.filter((r) => r[2] !== null).map((r) => [r[0], r[2]!] as [number, number]) : undefined,
      latenciesMs: latencies,
      packing: Object.entries(packing).map(([resource, p]) => ({ resource, nodesUsed: p.nodesUsed, lowerBound: p.lowerBound })),
    });
    const chartFile = cluster.mode === "master" ? "scheduler.svg" : `scheduler-${cluster.mode}.svg`;
    const svgPath = path.resolve(__dirname, "../../bench/results", chartFile);
    writeFileSync(svgPath, chart);

    return {
      workload: w.name,
      schedulerRunsIn: cluster.mode === "in-process" ? "this process (production Scheduler component over a real etcd member)" : "a real gantry master process",
      nodes: { count: w.nodes, kind: "hollow (SIMULATED: Node objects in etcd named hollow-node-N, no agent)", capacity: { cpu: w.node.cpu, memory: w.node.memory, pods: w.node.pods } },
      pods: { count: w.pods, requests: { cpu: "100m..2 step 100m", memory: "128Mi..4Gi step 128Mi", seed: w.seed } },
      createdThrough: "master admission run in the bench process before timing, then batched create transactions (100 objects each, 4 in flight) straight into the master's etcd",
      loadAverageAtStart: load.map((l) => round(l, 2)),
      setup: { nodeCreateSeconds: round(nodeSeconds, 3) },
      create: { seconds: round(createSeconds, 3), podsPerSecond: round(w.pods / createSeconds) },
      cpu: {
        note:
          cluster.mode === "master"
            ? "CPU seconds (user + system) the master process used from the first create until every pod was seen bound"
            : "CPU seconds of this process (scheduler, pod creation, admission, the bound-pod watch) from the first create until every pod was seen bound",
        seconds: round(cpuSeconds, 2),
        msPerPod: round((cpuSeconds * 1000) / w.pods, 3),
      },
      scheduling: {
        ...(schedulerView ?? {}),
        watchObserved: {
          note: "create acknowledged -> bound pod delivered by an etcd watch to this process; in-process mode this watcher shares the CPU with the scheduler",
          createToAllBoundSeconds: round(totalSeconds, 3),
          podsPerSecond: round(podsPerSecond),
          latencyMs: { p50: round(percentile(latencies, 50)), p90: round(percentile(latencies, 90)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1) ?? 0) },
        },
        bindTransactions: bindTxns,
        podsPerBindTransaction: round(w.pods / bindTxns, 1),
        ...(cluster.scheduler ? { schedulerMetrics: cluster.scheduler.metrics() } : {}),
      },
      packing: { nodesUsed: used.size, lowerBound, usedOverLowerBound: round(used.size / lowerBound, 3), perResource: packing },
      etcdTxn: { batched: etcdBatched, singleKey: etcdSingle },
      timeline: { columns: ["seconds", "created", "bindsWrittenByScheduler", "seenBoundByWatch"], rows: timeline },
      ratios: {
        podsPerSecondVsEtcdBatchedKeysPerSecond: round((schedulerView?.bindsAcknowledged.podsPerSecond ?? podsPerSecond) / etcdBatched.keysPerSecond, 3),
        podsPerSecondVsEtcdSingleKeyTxnsPerSecond: round((schedulerView?.bindsAcknowledged.podsPerSecond ?? podsPerSecond) / etcdSingle.txnsPerSecond, 3),
      },
      chart: `bench/results/${chartFile}`,
    };
  } finally {
    await informer.stop();
    await ctx.namespaces.stop();
    await cluster.stop();
  }
}

export async function benchScheduler(): Promise<Record<string, unknown>> {
  const started = performance.now();
  const results = [];
  // The 200-pod workload on 2 real agents (bench/scheduler-real-agents.ts) runs unless
  // BENCH_SCHED_REAL_AGENTS=0; BENCH_SCHED_REAL_AGENTS=only runs just that one.
  const real = process.env.BENCH_SCHED_REAL_AGENTS ?? "1";
  // BENCH_SCHED_MODE: comma-separated modes, each runs every workload (default "master,in-process").
  const modes = (process.env.BENCH_SCHED_MODE ?? "master,in-process").split(",").map((m) => m.trim());
  if (real !== "only") for (const mode of modes) for (const w of WORKLOADS) results.push(await runWorkload(w, mode));
  if (real !== "0") results.push(await import("./scheduler-real-agents.js").then((m) => m.runRealAgentsWorkload()));
  return {
    benchmark: "scheduler",
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, memoryGiB: round(os.totalmem() / 2 ** 30), node: process.version },
    workloads: results,
    wallSeconds: round((performance.now() - started) / 1000, 1),
  };
}
