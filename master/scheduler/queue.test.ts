import assert from "node:assert/strict";
import { test } from "node:test";
import { SchedulingQueue } from "./queue";
import { testPod } from "./testing";

function setup() {
  let now = 0;
  const q = new SchedulingQueue({ initialBackoffMs: 1000, maxBackoffMs: 4000, unschedulableFlushMs: 60_000 }, () => now);
  return { q, advance: (ms: number) => (now += ms) };
}

const drain = (q: SchedulingQueue) => {
  const out: string[] = [];
  for (let e = q.pop(); e; e = q.pop()) out.push(e.key);
  return out;
};

test("higher priority first, FIFO within a priority", () => {
  const { q } = setup();
  q.add(testPod("a"));
  q.add(testPod("b", { priority: 100 }));
  q.add(testPod("c"));
  q.add(testPod("d", { priority: 100 }));
  assert.deepEqual(drain(q), ["default/b", "default/d", "default/a", "default/c"]);
});

test("a popped pod is in flight, counted once even if re-added, and leaves on done", () => {
  const { q } = setup();
  q.add(testPod("a"));
  const e = q.pop()!;
  assert.equal(e.state, "in-flight");
  assert.equal(e.attempts, 1);
  q.add(testPod("a"));
  assert.equal(q.pop(), undefined);
  q.done("default/a");
  assert.equal(q.has("default/a"), false);
});

test("unschedulable pods wait for a cluster change, then for their back-off", () => {
  const { q, advance } = setup();
  q.add(testPod("a"));
  q.parkUnschedulable(q.pop()!);
  q.flush();
  assert.equal(q.pop(), undefined, "nothing changed: stays parked");
  assert.equal(q.moveAllUnschedulable(), 1);
  assert.equal(q.stateOf("default/a"), "backoff", "moved within its 1 s back-off");
  advance(999);
  q.flush();
  assert.equal(q.pop(), undefined);
  advance(1);
  q.flush();
  const again = q.pop()!;
  assert.equal(again.attempts, 2);
  // Second failure: back-off doubles; a change long after it goes straight to active.
  q.parkUnschedulable(again);
  advance(5000);
  q.moveAllUnschedulable();
  assert.equal(q.stateOf("default/a"), "active");
});

test("back-off doubles per attempt up to the maximum", () => {
  const { q } = setup();
  q.add(testPod("a"));
  const e = q.pop()!;
  const delays: number[] = [];
  for (let i = 0; i < 5; i++) {
    q.backoff(e);
    delays.push(q.backoffUntil(e) - e.lastFailureAt);
    e.attempts++;
  }
  assert.deepEqual(delays, [1000, 2000, 4000, 4000, 4000]);
});

test("parked pods are retried after the unschedulable timeout even without a change", () => {
  const { q, advance } = setup();
  q.add(testPod("a"));
  q.parkUnschedulable(q.pop()!);
  advance(59_999);
  q.flush();
  assert.equal(q.stateOf("default/a"), "unschedulable");
  advance(1);
  q.flush();
  assert.equal(q.pop()?.key, "default/a");
});

test("a relevant update wakes a parked pod; an irrelevant one does not; delete removes it everywhere", () => {
  const { q, advance } = setup();
  q.add(testPod("a"));
  q.parkUnschedulable(q.pop()!);
  advance(2000);
  q.update(testPod("a"), false);
  assert.equal(q.stateOf("default/a"), "unschedulable");
  q.update(testPod("a", { tolerations: [{ operator: "Exists" }] }), true);
  assert.equal(q.stateOf("default/a"), "active");
  q.delete("default/a");
  assert.equal(q.pop(), undefined);
  assert.equal(q.activeLength(), 0);
});
