import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../../api/object";
import { COMBINED_PREFIX, EventAggregator, type SchedulerEvent } from "./event-aggregator";

const pod = (name: string, namespace = "bench"): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace, uid: `uid-${name}` } });
const scheduled = (name: string, namespace = "bench"): SchedulerEvent => ({ involved: pod(name, namespace), type: "Normal", reason: "Scheduled", message: `Successfully assigned ${namespace}/${name} to node-a` });

function setup(maxIndividual = 2, windowMs = 10_000) {
  let now = 0;
  const agg = new EventAggregator({ maxIndividual, windowMs }, () => now);
  return { agg, advance: (ms: number) => (now += ms) };
}

test("similar events past the individual limit fold into one aggregate with a count; none is lost", () => {
  const { agg } = setup(2);
  const written = ["a", "b", "c", "d", "e"].map((n) => agg.add(scheduled(n))).filter((e) => e !== undefined);
  assert.deepEqual(
    written.map((e) => e.involved.metadata.name),
    ["a", "b"],
  );
  assert.equal(agg.pendingCount(), 3);
  const [aggregate, ...rest] = agg.flush();
  assert.equal(rest.length, 0);
  assert.equal(aggregate.count, 3);
  assert.equal(aggregate.reason, "Scheduled");
  assert.equal(aggregate.type, "Normal");
  assert.equal(aggregate.message, `${COMBINED_PREFIX}Successfully assigned bench/e to node-a`, "the newest message");
  assert.equal(aggregate.involved.metadata.name, "c", "the first folded object, as client-go keeps");
  assert.equal(agg.pendingCount(), 0);
  assert.deepEqual(agg.flush(), [], "a flush hands out each fold once");
  // More within the same window: counted into the same aggregate (same window number).
  agg.add(scheduled("f"));
  const [again] = agg.flush();
  assert.equal(again.count, 1);
  assert.equal(again.window, aggregate.window);
});

test("different reasons, types and namespaces are not similar", () => {
  const { agg } = setup(1);
  assert.ok(agg.add(scheduled("a")));
  assert.ok(agg.add(scheduled("a", "other")), "another namespace has its own limit");
  assert.ok(agg.add({ ...scheduled("b"), type: "Warning", reason: "FailedScheduling", message: "0/3 nodes are available" }));
  assert.equal(agg.add(scheduled("c")), undefined);
  assert.equal(agg.add({ ...scheduled("d"), type: "Warning", reason: "FailedScheduling", message: "0/3 nodes are available" }), undefined);
  const flushed = agg.flush();
  assert.deepEqual(flushed.map((a) => [a.reason, a.count]).sort(), [
    ["FailedScheduling", 1],
    ["Scheduled", 1],
  ]);
});

test("a new window starts over: individual events again, then a new aggregate; an unflushed fold survives the change", () => {
  const { agg, advance } = setup(1, 10_000);
  agg.add(scheduled("a"));
  assert.equal(agg.add(scheduled("b")), undefined);
  const first = agg.flush()[0];
  advance(5_000);
  assert.equal(agg.add(scheduled("c")), undefined, "still the first window");
  advance(5_000);
  assert.ok(agg.add(scheduled("d")), "the window ended: written one by one again");
  assert.equal(agg.add(scheduled("e")), undefined);
  const flushed = agg.flush();
  assert.deepEqual(
    flushed.map((a) => [a.window === first.window, a.count, a.involved.metadata.name]),
    [
      [true, 1, "c"],
      [false, 1, "e"],
    ],
  );
});
