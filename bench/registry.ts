// Every benchmark `gantry bench` (cli/bench.ts) and `make bench` (bench/run.ts) know, by name,
// and the loop that runs some of them: progress while each runs, bench/results/<name>.json and
// an SVG chart for each, and the rows of the table printed at the end.

import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Progress } from "./progress";
import type { SchedulerMode } from "./scheduler-cluster";
import { resultsDir, writeResult } from "./stats";
import { summarize, type SummaryRow } from "./summary";
import { summaryChart } from "./summary-chart";

export interface BenchOptions {
  /** Scheduler workloads: a size label (small, medium, large) or a workload name. */
  size: string;
  /** Scheduler test cases to run (default: all). */
  testCases?: string[];
  /** Where the scheduler runs (default: master). */
  modes?: SchedulerMode[];
}

interface Benchmark {
  description: string;
  run: (o: BenchOptions, progress: Progress) => Promise<Record<string, unknown>>;
}

/** A benchmark that is one step: names it on the progress line, then runs what `load` imports. */
function oneStep(step: string, load: () => Promise<Record<string, unknown>>): Benchmark["run"] {
  return (_o, p) => {
    p.step(step);
    return load();
  };
}

export const BENCHMARKS: Record<string, Benchmark> = {
  scheduler: {
    description: "declarative scheduler workloads on hollow (simulated) nodes in a real master, vs raw etcd transactions",
    run: (o, p) => import("./scheduler.js").then((m) => m.benchScheduler(o, p)),
  },
  api: {
    description: "creates, lists and watch deliveries through a real master, vs raw etcd puts",
    run: oneStep("creates, lists and watches through a real master", () => import("./api.js").then((m) => m.benchApi())),
  },
  runtime: {
    description: "pod start, image pull and agent footprint, vs raw runc run and skopeo + umoci",
    run: oneStep("pod start, pulls and footprint on a real agent", () => import("./runtime.js").then((m) => m.benchRuntime())),
  },
  "runtime-idle": {
    description: "agent CPU with 100 idle pods (its own, its reaped children's, the conmons'), quicker than the whole runtime benchmark",
    run: oneStep("100 idle pods on a real agent, CPU over 60 s", () => import("./runtime-idle.js").then((m) => m.benchRuntimeIdle())),
  },
  network: {
    description: "service proxy (nft by hand) and ClusterIP throughput (pod IP), pod start with the pod network (CNI by hand)",
    run: async (_o, p) => {
      p.step("service proxy and ClusterIP throughput");
      const proxy = await import("./network-proxy.js").then((m) => m.benchNetworkProxy());
      p.step("pod start with the pod network");
      const podStart = await import("./network-pod-start.js").then((m) => m.benchPodStart());
      return { benchmark: "network", date: new Date().toISOString(), ...proxy, podStart };
    },
  },
  "api-authz": {
    description: "RBAC's cost: creates as a ServiceAccount (RBAC decides) vs as an admin, and one authorization decision in isolation",
    run: oneStep("creates as admin and as a ServiceAccount through a real master", () => import("./api-authz.js").then((m) => m.benchApiAuthz())),
  },
  "api-metrics": {
    description: "the cost of the master's /metrics instrumentation per request",
    run: oneStep("requests with and without metrics", () => import("./api-metrics.js").then((m) => m.benchApiMetrics())),
  },
  failover: {
    description: "3 masters in network namespaces, the leader killed with SIGKILL under write load: takeover time and lost writes",
    run: oneStep("3 masters in test hosts; killing the leader under load (BENCH_FAILOVER_KILLS times, default 10)", () => import("./failover.js").then((m) => m.benchFailover())),
  },
};

export interface BenchRun {
  rows: SummaryRow[];
  failed: { name: string; error: string }[];
  written: string[];
}

/** Runs `names` in order ("all" = every built benchmark); one failing does not stop the rest. */
export async function runBenchmarks(names: readonly string[], options: BenchOptions, progress = new Progress()): Promise<BenchRun> {
  const wanted = names.includes("all") ? Object.keys(BENCHMARKS) : [...names];
  for (const n of wanted) if (!BENCHMARKS[n]) throw new Error(`unknown benchmark ${n}; known: ${[...Object.keys(BENCHMARKS), "all"].join(", ")}`);
  const out: BenchRun = { rows: [], failed: [], written: [] };
  for (const name of wanted) {
    const b = BENCHMARKS[name];
    progress.begin(name);
    try {
      const result = await b.run(options, progress);
      progress.end();
      out.written.push(writeResult(name, result));
      const rows = summarize(name, result);
      out.rows.push(...rows);
      if (name !== "scheduler" && rows.length > 0) {
        const svg = path.join(resultsDir(), `${name}.svg`);
        writeFileSync(svg, summaryChart(`gantry ${name} benchmark`, `${os.cpus().length} shared cores (load ${os.loadavg()[0].toFixed(1)}); ours (blue) vs the reference measured in the same run (grey)`, rows));
        out.written.push(svg);
      }
    } catch (err) {
      progress.end();
      out.failed.push({ name, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  }
  return out;
}
