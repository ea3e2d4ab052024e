// `gantry bench scheduler`: the declarative workloads of bench/scheduler-workloads.yaml
// (parsed by workload-config.ts, run by scheduler-workload.ts) at one size, each against a fresh
// cluster, with raw etcd transaction throughput measured in the same run as the reference.
// Nodes are HOLLOW: simulated Node objects, no agent.
//
// Options: size (a size label — small, medium, large — or a workload name), test cases, and the
// modes the scheduler runs in (scheduler-cluster.ts: "master", the headline, or "in-process").
// The large size also runs 200 real pods on 2 real agents (scheduler-real-agents.ts) unless
// BENCH_SCHED_REAL_AGENTS=0.

import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { Progress } from "./progress";
import { schedulerChart } from "./scheduler-chart";
import { startBenchCluster, type SchedulerMode } from "./scheduler-cluster";
import { etcdTxnReference, runWorkload } from "./scheduler-workload";
import { resultsDir, round } from "./stats";
import { parseWorkloadConfig, selectWorkloads } from "./workload-config";

export interface SchedulerBenchOptions {
  size: string;
  testCases?: string[];
  modes?: SchedulerMode[];
}

export const WORKLOADS_FILE = path.resolve(__dirname, "../../bench/scheduler-workloads.yaml");

export async function benchScheduler(options: SchedulerBenchOptions, progress: Progress): Promise<Record<string, unknown>> {
  const started = performance.now();
  const plans = selectWorkloads(parseWorkloadConfig(readFileSync(WORKLOADS_FILE, "utf8")), options.size, options.testCases);
  const modes = options.modes ?? ["master"];
  const loadAtStart = os.loadavg();
  const workloads: Record<string, unknown>[] = [];
  let reference: Record<string, unknown> | undefined;
  for (const mode of modes) {
    for (const plan of plans) {
      progress.begin(`scheduler ${plan.name} (${mode})`);
      progress.step("starting the cluster");
      const cluster = await startBenchCluster(mode);
      try {
        const m = await runWorkload(plan, cluster, progress);
        const measuredPods = (m.result.pods as { measured: number }).measured;
        // The reference, once per run, on the first workload's etcd right after it was measured.
        if (!reference) {
          progress.step("measuring the raw etcd reference");
          reference = {
            note: "raw etcd compare(mod_revision)+put transactions of a stored pod, on the same etcd, in the same run",
            batched: await etcdTxnReference(cluster.store, m.samplePayload, measuredPods, 100, 4),
            singleKey: await etcdTxnReference(cluster.store, m.samplePayload, Math.min(measuredPods, 2000), 1, 64),
          };
        }
        const chartFile = `scheduler-${plan.testCase}-${plan.workload}${mode === "master" ? "" : `-${mode}`}.svg`;
        const t = m.result.throughput as { podsPerSecond: number };
        const l = m.result.latencyMs as { p50: number; p99: number };
        const p = m.result.packing as { nodesUsed: number; lowerBound: number };
        const svg = schedulerChart({
          title: `gantry scheduler — ${plan.name} (hollow nodes: simulated Node objects, no agents)`,
          subtitle: `${os.cpus().length} shared cores (load ${m.loadAverage[0].toFixed(1)}); ${cluster.mode}; ${t.podsPerSecond} pods/s, p50/p99 ${l.p50}/${l.p99} ms; ${p.nodesUsed} nodes used, lower bound ${p.lowerBound}`,
          createdAt: m.createdAt,
          boundAt: m.boundAt,
          acked: m.acked,
          latenciesMs: m.latenciesMs,
          packing: m.packing,
        });
        writeFileSync(path.join(resultsDir(), chartFile), svg);
        // The first workload's chart is also the benchmark's headline chart.
        if (workloads.length === 0) writeFileSync(path.join(resultsDir(), "scheduler.svg"), svg);
        workloads.push({ ...m.result, mode, chart: `bench/results/${chartFile}` });
      } finally {
        progress.step("stopping the cluster");
        await cluster.stop();
      }
    }
  }
  const real = process.env.BENCH_SCHED_REAL_AGENTS ?? "1";
  if (options.size === "large" && real !== "0") {
    progress.begin("scheduler real agents");
    progress.step("200 pods on 2 real agents");
    workloads.push(await import("./scheduler-real-agents.js").then((m) => m.runRealAgentsWorkload()));
  }
  const batchedKeysPerSecond = (reference?.batched as { keysPerSecond: number } | undefined)?.keysPerSecond ?? NaN;
  const singleTxnsPerSecond = (reference?.singleKey as { txnsPerSecond: number } | undefined)?.txnsPerSecond ?? NaN;
  for (const w of workloads) {
    const t = w.throughput as { podsPerSecond: number } | undefined;
    if (t) w.ratios = { podsPerSecondVsEtcdBatchedKeysPerSecond: round(t.podsPerSecond / batchedKeysPerSecond, 3), podsPerSecondVsEtcdSingleKeyTxnsPerSecond: round(t.podsPerSecond / singleTxnsPerSecond, 3) };
  }
  return {
    benchmark: "scheduler",
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, memoryGiB: round(os.totalmem() / 2 ** 30), node: process.version, etcdDataIn: os.tmpdir() },
    size: options.size,
    loadAverage: { atStart: loadAtStart.map((l) => round(l, 2)), atEnd: os.loadavg().map((l) => round(l, 2)) },
    reference,
    workloads,
    wallSeconds: round((performance.now() - started) / 1000, 1),
  };
}
