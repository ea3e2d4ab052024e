// The controllers' work queues report client-go's workqueue metrics: an add is counted once per
// key queued (a key already waiting is not counted again; one marked to run again while it runs
// is), depth returns to 0 when the queue drains, every run is timed, failures count as retries.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry } from "prom-client";
import { WorkQueue } from "../controllers/controller-utils-queue";
import { WorkQueueMetricFamilies } from "./workqueue-metrics";

async function sample(registry: Registry, metric: string, name = "replicaset"): Promise<number | undefined> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === metric);
  return m?.values.find((v) => v.labels.name === name && (v as { metricName?: string }).metricName !== `${metric}_bucket`)?.value;
}

test("workqueue_adds_total, workqueue_depth and the duration histograms follow the queue", async () => {
  const registry = new Registry();
  const families = new WorkQueueMetricFamilies(registry);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let runs = 0;
  const q = new WorkQueue(async () => {
    if (++runs === 1) await gate;
  }, { concurrency: 1, metrics: families.queue("replicaset") });
  q.add("a"); // runs at once
  q.add("b");
  q.add("b"); // already waiting: not an add
  q.add("a"); // running: marked to run again, an add
  q.add("a"); // already marked: not an add
  assert.equal(await sample(registry, "workqueue_depth"), 2, "b waiting, a to run again");
  release();
  await q.idle();
  assert.equal(await sample(registry, "workqueue_adds_total"), 3);
  assert.equal(await sample(registry, "workqueue_depth"), 0);
  const counts = async (metric: string) => (await registry.getMetricsAsJSON()).find((x) => x.name === metric)!.values.find((v) => (v as { metricName?: string }).metricName === `${metric}_count`)?.value;
  assert.equal(await counts("workqueue_queue_duration_seconds"), 3);
  assert.equal(await counts("workqueue_work_duration_seconds"), 3);
  assert.equal(await sample(registry, "workqueue_retries_total"), undefined);
  await q.shutDown();

  const failing = new WorkQueue(async () => {
    throw new Error("boom");
  }, { metrics: families.queue("job"), timers: { setTimeout: () => 0, clearTimeout: () => undefined } });
  failing.add("k");
  await failing.idle();
  assert.equal(await sample(registry, "workqueue_retries_total", "job"), 1);
  await failing.shutDown();
});
