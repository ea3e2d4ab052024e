// `make bench`: runs every benchmark (or those named as arguments) and writes
// bench/results/<name>.json for each.

import { benchApi } from "./api";
import { benchApiMetrics } from "./api-metrics";
import { benchApiAuthz } from "./api-authz";
import { benchScheduler } from "./scheduler";
import { mergeResult, writeResult } from "./stats";

const BENCHMARKS: Record<string, () => Promise<Record<string, unknown>>> = {
  api: benchApi,
  "api-metrics": benchApiMetrics,
  "api-authz": benchApiAuthz,
  scheduler: benchScheduler,
  runtime: () => import("./runtime.js").then((m) => m.benchRuntime()),
  "runtime-pull": () => import("./runtime-pull.js").then((m) => m.benchPullOnly(Number(process.env.BENCH_RUNTIME_PULL_REPEATS ?? 5), Number(process.env.BENCH_RUNTIME_BIG_MIB ?? 50))),
  "network-proxy": () => import("./network-proxy.js").then((m) => m.benchNetworkProxy()),
  "network-pod-start": () => import("./network-pod-start.js").then(async (m) => ({ podStart: await m.benchPodStart() })),
  failover: () => import("./failover.js").then((m) => m.benchFailover()),
};

/** Benchmarks that write their keys into a results file they share with others. */
const SHARED_FILES: Record<string, string> = { "runtime-pull": "runtime", "network-proxy": "network", "network-pod-start": "network" };

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const names = wanted.length > 0 ? wanted : Object.keys(BENCHMARKS);
  for (const name of names) {
    const bench = BENCHMARKS[name];
    if (!bench) throw new Error(`unknown benchmark ${name}; known: ${Object.keys(BENCHMARKS).join(", ")}`);
    console.log(`== ${name}`);
    const result = await bench();
    console.log(JSON.stringify(result, null, 2));
    const shared = SHARED_FILES[name];
    console.log(`wrote ${shared ? mergeResult(shared, result) : writeResult(name, result)}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
