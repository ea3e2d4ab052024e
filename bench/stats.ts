// Small helpers shared by the benchmarks: timing, percentiles, bounded concurrency, results.

import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Runs `count` tasks with at most `concurrency` in flight; returns elapsed seconds. */
export async function runConcurrent(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** bench/results in the source tree (dist/bench/../..), or BENCH_RESULTS_DIR; created when missing. */
export function resultsDir(): string {
  const dir = process.env.BENCH_RESULTS_DIR ?? path.resolve(__dirname, "../../bench/results");
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function writeResult(name: string, result: unknown): string {
  const file = path.join(resultsDir(), `${name}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
  return file;
}
