import assert from "node:assert/strict";
import { test } from "node:test";
import { LatencyRecorder } from "./latency";

test("nearest-rank percentiles over the kept samples", () => {
  const r = new LatencyRecorder();
  assert.deepEqual(r.summary(), { count: 0, p50: 0, p90: 0, p99: 0, max: 0 });
  for (let i = 100; i >= 1; i--) r.record(i);
  assert.deepEqual(r.summary(), { count: 100, p50: 50, p90: 90, p99: 99, max: 100 });
});

test("only the newest samples are kept once capacity is reached", () => {
  const r = new LatencyRecorder(4);
  for (const ms of [1000, 1000, 1, 2, 3, 4]) r.record(ms);
  assert.deepEqual(r.summary(), { count: 6, p50: 2, p90: 4, p99: 4, max: 4 });
});
