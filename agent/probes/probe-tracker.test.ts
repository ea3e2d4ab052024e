import { test } from "node:test";
import assert from "node:assert/strict";
import { beginRun, isDue, newProbeTracker, probeTiming, recordRun } from "./probe-tracker";

test("defaults: period 10s, timeout 1s, success 1, failure 3", () => {
  assert.deepEqual(probeTiming({}), { initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1000, successThreshold: 1, failureThreshold: 3 });
});

test("initial results: readiness failure, liveness success, startup unknown", () => {
  assert.equal(newProbeTracker("readiness", {}, "c1", 0).result, "failure");
  assert.equal(newProbeTracker("liveness", {}, "c1", 0).result, "success");
  assert.equal(newProbeTracker("startup", {}, "c1", 0).result, "unknown");
});

test("first run after initialDelaySeconds, then every periodSeconds, one at a time", () => {
  const t = newProbeTracker("liveness", { initialDelaySeconds: 5, periodSeconds: 2 }, "c1", 1000);
  assert.equal(isDue(t, 5999, true), false);
  assert.equal(isDue(t, 6000, true), true);
  beginRun(t, 6000);
  assert.equal(isDue(t, 9000, true), false, "a run is in flight");
  recordRun(t, true);
  assert.equal(isDue(t, 7999, true), false);
  assert.equal(isDue(t, 8000, true), true);
});

test("liveness and readiness wait for the startup probe; startup stops after success", () => {
  const live = newProbeTracker("liveness", {}, "c1", 0);
  assert.equal(isDue(live, 0, false), false);
  assert.equal(isDue(live, 0, true), true);
  const startup = newProbeTracker("startup", { periodSeconds: 1 }, "c1", 0);
  beginRun(startup, 0);
  assert.equal(recordRun(startup, true), true);
  assert.equal(startup.result, "success");
  assert.equal(isDue(startup, 10_000, true), false);
});

test("failureThreshold consecutive failures flip liveness to failure and hold it", () => {
  const t = newProbeTracker("liveness", { failureThreshold: 3 }, "c1", 0);
  const results = [false, false, true, false, false, false].map((ok) => {
    recordRun(t, ok);
    return t.result;
  });
  assert.deepEqual(results, ["success", "success", "success", "success", "success", "failure"]);
  assert.equal(t.onHold, true);
  assert.equal(isDue(t, 1e9, true), false, "held until the container restarts");
  assert.equal(recordRun(t, true), false);
  assert.equal(t.result, "failure");
});

test("readiness needs successThreshold successes and flips back on failures without holding", () => {
  const t = newProbeTracker("readiness", { successThreshold: 2, failureThreshold: 1 }, "c1", 0);
  assert.equal(recordRun(t, true), false);
  assert.equal(recordRun(t, true), true);
  assert.equal(t.result, "success");
  assert.equal(recordRun(t, false), true);
  assert.equal(t.result, "failure");
  assert.equal(t.onHold, false);
  assert.equal(recordRun(t, true), false);
  assert.equal(recordRun(t, true), true);
});
