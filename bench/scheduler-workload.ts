// Runs one scheduler workload plan (bench/workload-config.ts) against a fresh cluster and
// measures it: pods/s and latency from create acknowledged to the bound pod seen by an etcd watch
// in this process, packing against the lower bound, and the CPU the scheduler's process used.
//
// How objects are created: this process runs the master's own admission (defaults, validation,
// uid, timestamps) on every Node and Pod before the clock starts, then writes them straight into
// the master's etcd in batched create transactions (100 per transaction, 4 in flight). Going
// through HTTPS instead would measure the API (bench/api.ts does that), and on two shared cores
// would cap the arrival rate far below what the scheduler can take.

import os from "node:os";
import { performance } from "node:perf_hooks";
import type { KubeObject } from "../api/object";
import { findResource, storageKey, type ResourceType } from "../api/resources";
import { admitCreate } from "../master/registry/admission";
import { APISERVER_USER } from "../master/auth/internal-users";
import type { ApiContext } from "../master/registry/context";
import { ResourceClient } from "../master/registry/internal-client";
import { encodeObject } from "../master/store/etcd-codec";
import type { EtcdStore } from "../master/store/etcd-store";
import { casBatch, type CasWrite } from "../master/registry/txn-batch";
import type { Progress } from "./progress";
import type { BenchCluster } from "./scheduler-cluster";
import { BENCH_NAMESPACE, benchPods, hollowNodes, packingLowerBound, random, type PodShape } from "./scheduler-objects";
import { BoundWatch } from "./bound-watch";
import { percentile, round } from "./stats";
import type { CreateNodesOp, CreatePodsOp, WorkloadPlan } from "./workload-config";

const PODS = findResource("", "v1", "pods")!;
const NODES = findResource("", "v1", "nodes")!;
const NAMESPACES = findResource("", "v1", "namespaces")!;
const EVENTS = findResource("", "v1", "events")!;

/** Admission as the API server runs it; CPU only, done before any clock starts. */
async function admitAll(ctx: ApiContext, r: ResourceType, objects: KubeObject[]): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const o of objects) out.push(await admitCreate(ctx, r, o, o.metadata.namespace, APISERVER_USER));
  return out;
}

/**
 * etcd answers "too many requests" while its applied index lags far behind the committed one (a
 * loaded disk on a shared machine); the write was not applied, so it is safe to send again.
 */
export async function retryTooManyRequests<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= 50 || !String(err).includes("too many requests")) throw err;
      await new Promise((r) => setTimeout(r, 100 * Math.min(attempt, 10)));
    }
  }
}

/** Admitted objects as create writes (compare mod_revision = 0: the store's create rule), encoded. */
function createWrites(r: ResourceType, objects: readonly KubeObject[]): CasWrite[] {
  return objects.map((o) => ({ key: storageKey(r, o.metadata.namespace, o.metadata.name!), expectedModRevision: "0", value: encodeObject(o) }));
}

/**
 * Writes `writes` in transactions of 100, 4 in flight; `onCreated(i)` fires as each is
 * acknowledged. Encoding happens before (createWrites), so a measured phase times only the writes.
 */
async function createBatched(store: EtcdStore, writes: readonly CasWrite[], onCreated: (i: number) => void = () => {}): Promise<number> {
  const batch = 100;
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next * batch < writes.length) {
      const first = next++ * batch;
      const chunk = writes.slice(first, first + batch);
      const out = await retryTooManyRequests(() => casBatch(store.client, chunk));
      out.forEach((o, j) => {
        if (!o.ok) throw new Error(`${chunk[j].key} exists already`);
        onCreated(first + j);
      });
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return (performance.now() - started) / 1000;
}

export async function until(what: string, probe: () => boolean, timeoutMs: number, onWait: () => void = () => {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    onWait();
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface WorkloadMeasurement {
  result: Record<string, unknown>;
  /** For the chart: seconds since the first measured create, sorted. */
  createdAt: number[];
  boundAt: number[];
  latenciesMs: number[];
  packing: { resource: string; nodesUsed: number; lowerBound: number }[];
  /** [seconds, binds acknowledged] from an in-process scheduler. */
  acked?: [number, number][];
  loadAverage: number[];
  /** A stored pod, the payload of the etcd reference transactions. */
  samplePayload: Buffer;
}

export async function runWorkload(plan: WorkloadPlan, cluster: BenchCluster, progress: Progress): Promise<WorkloadMeasurement> {
  const { store, ctx } = cluster;
  const watch = new BoundWatch(store.client, `/registry/pods/${BENCH_NAMESPACE}/`);
  const seen = watch.bound;
  try {
    await ctx.namespaces.start();
    await new ResourceClient(ctx, NAMESPACES, APISERVER_USER).create({
      apiVersion: "v1",
      kind: "Namespace",
      // The host-port workload needs it: baseline Pod Security refuses host ports.
      metadata: { name: BENCH_NAMESPACE, labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
    });
    await until("the bench namespace in the admission cache", () => ctx.namespaces.get(BENCH_NAMESPACE) !== undefined, 10_000);
    await watch.start();

    // Nodes first, all of them.
    const nodeOps = plan.ops.filter((o): o is CreateNodesOp => o.opcode === "createNodes");
    const nodes: KubeObject[] = [];
    for (const op of nodeOps) nodes.push(...hollowNodes(op, nodes.length));
    progress.step(`creating ${nodes.length} hollow nodes`);
    const nodeSeconds = await createBatched(store, createWrites(NODES, await admitAll(ctx, NODES, nodes)));
    // Let the scheduler's node watch catch up before the pods arrive.
    await new Promise((r) => setTimeout(r, Math.min(5000, 500 + nodes.length / 2)));

    // Pods in template order; every collectMetrics operation goes into the one measured phase.
    const rand = random(plan.seed);
    const podOps = plan.ops.filter((o): o is CreatePodsOp => o.opcode === "createPods");
    const unschedulable: PodShape[] = [];
    const bound: PodShape[] = [];
    const measured: { objects: KubeObject[]; shapes: PodShape[] } = { objects: [], shapes: [] };
    for (const [k, op] of podOps.entries()) {
      const { objects, shapes } = benchPods(op, `pods${k}`, rand);
      if (op.collectMetrics) {
        measured.objects.push(...objects);
        measured.shapes.push(...shapes);
        continue;
      }
      progress.step(`creating ${objects.length} ${op.expectUnschedulable ? "unschedulable" : "initial"} pods`);
      await createBatched(store, createWrites(PODS, await admitAll(ctx, PODS, objects)));
      if (op.expectUnschedulable) unschedulable.push(...shapes);
      else {
        bound.push(...shapes);
        await until("the initial pods to be bound", () => shapes.every((s) => seen.has(s.name)), 600_000);
      }
    }
    const total = measured.objects.length;
    progress.step(`admitting ${total} pods`);
    const admitted = await admitAll(ctx, PODS, measured.objects);
    const measuredWrites = createWrites(PODS, admitted);

    const loadAverage = os.loadavg();
    const cpu0 = cluster.cpuSeconds();
    cluster.profile(true);
    const t0 = performance.now();
    const createdAt = new Array<number>(total);
    let created = 0;
    const timeline: [number, number, number | null, number][] = [];
    const seenBound = () => measured.shapes.reduce((n, s) => n + (seen.has(s.name) ? 1 : 0), 0);
    const sample = () => timeline.push([round((performance.now() - t0) / 1000, 2), created, cluster.scheduler?.metrics().scheduled ?? null, seenBound()]);
    const sampler = setInterval(() => {
      sample();
      progress.update(`scheduling: ${created}/${total} created, ${timeline.at(-1)![3]} bound`);
    }, 200);
    progress.step(`scheduling ${total} pods`);
    const createSeconds = await createBatched(store, measuredWrites, (i) => {
      createdAt[i] = performance.now();
      created++;
    });
    await until("every measured pod to be bound", () => measured.shapes.every((s) => seen.has(s.name)), 600_000).finally(() => clearInterval(sampler));
    cluster.profile(false);
    const cpuSeconds = cluster.cpuSeconds() - cpu0;
    sample();
    const lastBound = Math.max(...measured.shapes.map((s) => seen.get(s.name)!.at));
    const seconds = (lastBound - t0) / 1000;
    const latencies = measured.shapes.map((s, i) => Math.max(0, seen.get(s.name)!.at - createdAt[i])).sort((a, b) => a - b);
    const podsPerSecond = total / seconds;

    // The unschedulable pods must still be pending (checked after everything else was placed).
    const unschedulableBound = unschedulable.filter((s) => seen.has(s.name)).length;

    // Packing over every bound pod: nodes used vs the lower bound.
    const placed = [...bound, ...measured.shapes];
    const used = new Set(placed.map((s) => seen.get(s.name)!.node));
    const cap = nodeOps[0].capacity;
    const { bounds, lowerBound } = packingLowerBound(placed, cap);
    const measuredTxns = new Set(measured.shapes.map((s) => seen.get(s.name)?.revision)).size;
    const m = cluster.scheduler?.metrics();
    const acked = timeline.find((r) => r[2] !== null && r[2] >= total);
    progress.step("reading the scheduler's events");
    const events = await eventSummary(ctx);

    const result = {
      testCase: plan.testCase,
      workload: plan.workload,
      name: plan.name,
      size: plan.size,
      schedulerRunsIn: cluster.mode === "in-process" ? "this process (production Scheduler component over a real etcd member)" : "a real gantry master process",
      nodes: { count: nodes.length, kind: "hollow (SIMULATED: Node objects in etcd named hollow-node-N, no agent)", capacity: { cpu: cap.cpu, memory: cap.memory, pods: cap.pods } },
      pods: { measured: total, initial: bound.length, unschedulable: unschedulable.length, unschedulableBound, seed: plan.seed },
      loadAverageAtStart: loadAverage.map((l) => round(l, 2)),
      setup: { nodeCreateSeconds: round(nodeSeconds, 3) },
      create: { seconds: round(createSeconds, 3), podsPerSecond: round(total / createSeconds) },
      throughput: { note: "first measured create -> last measured pod seen bound by an etcd watch in the bench process", seconds: round(seconds, 3), podsPerSecond: round(podsPerSecond) },
      latencyMs: { note: "create acknowledged -> bound pod seen by the watch", p50: round(percentile(latencies, 50)), p90: round(percentile(latencies, 90)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1) ?? 0) },
      packing: { nodesUsed: used.size, lowerBound, usedOverLowerBound: round(used.size / lowerBound, 3), lowerBounds: bounds },
      cpu: {
        note: cluster.mode === "master" ? "CPU seconds (user + system) of the master process during the measured phase" : "CPU seconds of this process (scheduler, creates, the watch) during the measured phase",
        seconds: round(cpuSeconds, 2),
        msPerPod: round((cpuSeconds * 1000) / total, 3),
      },
      bindTransactions: measuredTxns,
      podsPerBindTransaction: round(total / measuredTxns, 1),
      events,
      ...(m && acked ? { schedulerView: { bindsAcknowledgedSeconds: acked[0], podsPerSecond: round(total / acked[0]), latencyMs: m.latencyMs, metrics: m } } : {}),
      timeline: { columns: ["seconds", "created", "bindsWrittenByScheduler", "seenBoundByWatch"], rows: timeline },
    };
    return {
      result,
      createdAt: createdAt.map((t) => (t - t0) / 1000).sort((a, b) => a - b),
      boundAt: measured.shapes.map((s) => (seen.get(s.name)!.at - t0) / 1000).sort((a, b) => a - b),
      latenciesMs: latencies,
      packing: Object.entries(bounds).map(([resource, lb]) => ({ resource, nodesUsed: used.size, lowerBound: lb })),
      acked: cluster.scheduler ? timeline.filter((r) => r[2] !== null).map((r) => [r[0], r[2]!] as [number, number]) : undefined,
      loadAverage,
      samplePayload: encodeObject(admitted[0]),
    };
  } finally {
    await watch.stop();
    await ctx.namespaces.stop();
  }
}

/**
 * The Events the scheduler left in the bench namespace, read once its series had time to be
 * written (updates come at most once a second): how many objects, and how many records their
 * counts stand for.
 */
async function eventSummary(ctx: ApiContext) {
  await new Promise((r) => setTimeout(r, 2500));
  const events = await new ResourceClient(ctx, EVENTS, APISERVER_USER).list(BENCH_NAMESPACE);
  const scheduled = events.filter((e) => e.reason === "Scheduled");
  return {
    note: "Event objects in the bench namespace 2.5 s after the last bind was seen; countSum = the records they stand for",
    objects: events.length,
    scheduledObjects: scheduled.length,
    scheduledCountSum: scheduled.reduce((sum, e) => sum + ((e.count as number | undefined) ?? 1), 0),
    aggregateObjects: events.filter((e) => String(e.message).startsWith("(combined from similar events)")).length,
  };
}

/** Raw etcd: batches of compare(mod_revision)+put on fresh keys, the shape of a bind transaction. */
export async function etcdTxnReference(store: EtcdStore, payload: Buffer, keys: number, batch: number, concurrency: number) {
  const kv = store.client.kv;
  const revs: string[] = [];
  let next = 0;
  const pool = async (count: number, width: number, task: (i: number) => Promise<void>) => {
    next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: Math.min(width, count) }, async () => {
        while (next < count) await task(next++);
      }),
    );
    return (performance.now() - started) / 1000;
  };
  await pool(keys, 64, async (i) => {
    await retryTooManyRequests(() => store.client.put(`/bench/txn/${i}`).value(payload).exec());
  });
  // The compares need each key's mod revision as stored: read back rather than taken from the put
  // replies, since a put the client retried (a slow reply on a loaded machine) may have been
  // applied twice.
  for (const kv of (await store.client.kv.range({ key: Buffer.from("/bench/txn/"), range_end: Buffer.from("/bench/txn0") })).kvs) {
    revs[Number(kv.key.toString().slice("/bench/txn/".length))] = kv.mod_revision;
  }
  const batches = Math.ceil(keys / batch);
  const seconds = await pool(batches, concurrency, async (b) => {
    const idx = Array.from({ length: Math.min(batch, keys - b * batch) }, (_, j) => b * batch + j);
    const res = await kv.txn({
      compare: idx.map((i) => ({ key: Buffer.from(`/bench/txn/${i}`), target: "Mod" as const, result: "Equal" as const, mod_revision: revs[i] })),
      success: idx.map((i) => ({ request_put: { key: Buffer.from(`/bench/txn/${i}`), value: payload } })),
    });
    if (!res.succeeded) throw new Error("reference transaction lost a compare; nothing else writes these keys");
  });
  await store.client.delete().prefix("/bench/txn/");
  return { keys, batchSize: batch, concurrency, seconds: round(seconds, 3), txnsPerSecond: round(batches / seconds), keysPerSecond: round(keys / seconds) };
}
