// The event correlator on a fake clock: aggregation after 10 similar events, its window, the
// spam filter's burst and refill, and which differences keep events apart.

import assert from "node:assert/strict";
import { test } from "node:test";
import { AGGREGATE_ACROSS_OBJECTS, AGGREGATE_MESSAGE_PREFIX, EventCorrelator, type CorrelatorOptions, type EventRecord } from "./event-correlator";

function setup(options: Partial<CorrelatorOptions> = {}) {
  const clock = { now: 1_700_000_000_000 };
  const correlator = new EventCorrelator({ now: () => clock.now, ...options });
  return { clock, correlator };
}

const rsEvent = (message: string, over: Partial<EventRecord> = {}): EventRecord => ({
  component: "replicaset-controller",
  involved: { apiVersion: "apps/v1", kind: "ReplicaSet", namespace: "default", name: "web", uid: "uid-web" },
  type: "Normal",
  reason: "SuccessfulCreate",
  message,
  ...over,
});

const scheduled = (pod: number, namespace = "default"): EventRecord => ({
  component: "default-scheduler",
  involved: { apiVersion: "v1", kind: "Pod", namespace, name: `pod-${pod}`, uid: `uid-${pod}` },
  type: "Normal",
  reason: "Scheduled",
  message: `Successfully assigned ${namespace}/pod-${pod} to node-a`,
});

test("9 similar events are written as they are; from the 10th on they are one aggregate whose count goes up", () => {
  const { correlator } = setup({ spamBurst: 1000 });
  const results = Array.from({ length: 15 }, (_, i) => correlator.correlate(rsEvent(`Created pod: web-${i}`)));
  const individual = results.slice(0, 9).map((r) => r.series);
  assert.equal(new Set(individual.map((s) => s.key)).size, 9, "each its own series");
  assert.ok(individual.every((s) => !s.aggregate && s.count === 1));
  assert.deepEqual(individual.map((s) => s.record.message), Array.from({ length: 9 }, (_, i) => `Created pod: web-${i}`));

  const aggregated = results.slice(9).map((r) => r.series);
  assert.equal(new Set(aggregated.map((s) => s.key)).size, 1, "one series");
  assert.equal(new Set(aggregated.map((s) => s.name)).size, 1, "one Event");
  assert.deepEqual(aggregated.map((s) => s.count), [1, 2, 3, 4, 5, 6]);
  assert.equal(aggregated.at(-1)!.record.message, `${AGGREGATE_MESSAGE_PREFIX}Created pod: web-14`);
  assert.ok(aggregated.every((s) => s.aggregate && s.name.startsWith("web.")));
  assert.ok(results.every((r) => !r.skip));
});

test("an exact repeat continues its series: same name, count + 1, first time kept", () => {
  const { clock, correlator } = setup();
  const first = correlator.correlate(rsEvent("Created pod: web-0")).series;
  clock.now += 5000;
  const again = correlator.correlate(rsEvent("Created pod: web-0")).series;
  assert.deepEqual([again.key, again.name, again.count, again.firstTimestamp, again.lastTimestamp], [first.key, first.name, 2, first.firstTimestamp, first.lastTimestamp + 5000]);
});

test("a gap longer than the window starts the count of similar events again", () => {
  const { clock, correlator } = setup({ spamBurst: 1000 });
  const record = (i: number) => correlator.correlate(rsEvent(`Created pod: web-${i}`)).series;
  for (let i = 0; i < 9; i++) {
    assert.equal(record(i).aggregate, false);
    clock.now += 10 * 60_000; // exactly the window: still similar
  }
  assert.equal(record(9).aggregate, true, "10 within gaps of at most 10 minutes aggregate");
  clock.now += 10 * 60_000 + 1;
  const after = Array.from({ length: 10 }, (_, i) => record(100 + i));
  assert.deepEqual(after.map((s) => s.aggregate), [false, false, false, false, false, false, false, false, false, true]);
});

test("which differences keep events apart: object, reason, type by default; namespace across objects", () => {
  const { correlator } = setup({ spamBurst: 1000 });
  // By object (client-go's default): 10 pods' Scheduled events are 10 individual ones.
  assert.ok(Array.from({ length: 12 }, (_, i) => correlator.correlate(scheduled(i)).series).every((s) => !s.aggregate));
  // Differing in reason or type: not similar, however many.
  const mixed = Array.from({ length: 12 }, (_, i) => correlator.correlate(rsEvent(`m${i}`, i % 2 === 0 ? { reason: `R${i}` } : { type: "Warning", reason: `W${i}` })).series);
  assert.ok(mixed.every((s) => !s.aggregate));

  const across = setup({ spamBurst: 1000, aggregateKey: AGGREGATE_ACROSS_OBJECTS }).correlator;
  const pods = Array.from({ length: 12 }, (_, i) => across.correlate(scheduled(i)).series);
  assert.deepEqual(pods.map((s) => s.aggregate), [false, false, false, false, false, false, false, false, false, true, true, true]);
  assert.equal(pods[11].count, 3);
  assert.equal(pods[11].record.involved.name, "pod-11", "the aggregate carries the latest object");
  const otherNamespace = Array.from({ length: 9 }, (_, i) => across.correlate(scheduled(i, "other")).series);
  assert.ok(otherNamespace.every((s) => !s.aggregate), "another namespace counts on its own");
});

test("spam filter: 25 records about an object at once, then one per 5 minutes; skipped ones still count", () => {
  const { clock, correlator } = setup();
  const failing = (over: Partial<EventRecord> = {}) => correlator.correlate(rsEvent("Error creating: quota exceeded", { type: "Warning", reason: "FailedCreate", ...over }));
  const first = Array.from({ length: 30 }, () => failing());
  assert.deepEqual(first.map((r) => r.skip), [...Array<boolean>(25).fill(false), ...Array<boolean>(5).fill(true)]);
  assert.equal(first.at(-1)!.series.count, 30);

  // Another object, and the same object's Normal events, have their own budget.
  assert.equal(failing({ involved: { apiVersion: "apps/v1", kind: "ReplicaSet", namespace: "default", name: "api", uid: "uid-api" } }).skip, false);
  assert.equal(correlator.correlate(rsEvent("Created pod: web-0")).skip, false);

  clock.now += 299_000;
  assert.equal(failing().skip, true, "no token before 5 minutes");
  clock.now += 1000;
  const refilled = failing();
  assert.equal(refilled.skip, false, "one token after 5 minutes");
  assert.equal(refilled.series.count, 32, "the written count includes the skipped records");
  assert.equal(failing().skip, true);
});

test("restart: a deleted series begins again at count 1 under a new name", () => {
  const { clock, correlator } = setup();
  correlator.correlate(rsEvent("x"));
  const second = correlator.correlate(rsEvent("x")).series;
  clock.now += 1;
  const restarted = correlator.restart(second);
  assert.equal(restarted.count, 1);
  assert.notEqual(restarted.name, second.name);
  assert.deepEqual([correlator.correlate(rsEvent("x")).series.count, correlator.correlate(rsEvent("x")).series.name], [2, restarted.name]);
});
