// `gantry bench scheduler --size small` end to end, as a smoke test: every declarative workload
// at its small size against a real `gantry master`. Checks the shape of the JSON it writes, that
// every measured pod was bound and no unschedulable one was, and that the charts and the table
// come out. Not a timing assertion: the numbers of a loaded test machine say nothing.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";

const GANTRY = path.resolve(__dirname, "../cli/gantry.js");

interface Workload {
  testCase: string;
  name: string;
  pods: { measured: number; unschedulable: number; unschedulableBound: number };
  throughput: { seconds: number; podsPerSecond: number };
  latencyMs: { p50: number; p99: number };
  packing: { nodesUsed: number; lowerBound: number; usedOverLowerBound: number };
  cpu: { seconds: number };
  timeline: { rows: [number, number, number | null, number][] };
  ratios: { podsPerSecondVsEtcdBatchedKeysPerSecond: number };
  chart: string;
}

test("gantry bench scheduler --size small runs every workload and writes its results", { timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-smoke-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [GANTRY, "bench", "scheduler", "--size", "small"], { env: { ...process.env, BENCH_RESULTS_DIR: dir }, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
  assert.equal(code, 0, `gantry bench failed:\n${stderr.slice(-4000)}`);
  assert.match(stderr, /scheduler SchedulingBasic\/100Nodes_200Pods \(master\): scheduling 200 pods/, "a progress line per step");
  assert.match(stdout, /benchmark\s+metric\s+value\s+reference\s+ratio/, "the table at the end");

  const result = JSON.parse(readFileSync(path.join(dir, "scheduler.json"), "utf8")) as {
    benchmark: string;
    size: string;
    loadAverage: { atStart: number[] };
    reference: { batched: { keysPerSecond: number }; singleKey: { txnsPerSecond: number } };
    workloads: Workload[];
  };
  assert.equal(result.benchmark, "scheduler");
  assert.equal(result.size, "small");
  assert.equal(result.loadAverage.atStart.length, 3);
  assert.ok(result.reference.batched.keysPerSecond > 0 && result.reference.singleKey.txnsPerSecond > 0, "the etcd reference was measured");
  assert.deepEqual(
    result.workloads.map((w) => w.testCase),
    ["SchedulingBasic", "SchedulingNodeAffinity", "SchedulingTaintToleration", "SchedulingHostPorts", "SchedulingWithUnschedulable"],
  );
  for (const w of result.workloads) {
    assert.ok(w.pods.measured > 0, w.name);
    const last = w.timeline.rows.at(-1)!;
    assert.equal(last[3], w.pods.measured, `${w.name}: every measured pod seen bound`);
    assert.equal(w.pods.unschedulableBound, 0, `${w.name}: no unschedulable pod was bound`);
    assert.ok(w.throughput.podsPerSecond > 0 && w.throughput.seconds > 0, w.name);
    assert.ok(w.latencyMs.p99 >= w.latencyMs.p50, w.name);
    assert.ok(w.packing.nodesUsed >= w.packing.lowerBound && w.packing.lowerBound > 0, w.name);
    assert.ok(w.ratios.podsPerSecondVsEtcdBatchedKeysPerSecond > 0, w.name);
    assert.ok(existsSync(path.join(dir, path.basename(w.chart))), `${w.name}: chart written`);
  }
  const unschedulable = result.workloads.find((w) => w.testCase === "SchedulingWithUnschedulable")!;
  assert.ok(unschedulable.pods.unschedulable > 0);
  assert.ok(existsSync(path.join(dir, "scheduler.svg")));
});
