import assert from "node:assert/strict";
import { test } from "node:test";
import { withCondition } from "./status-writer";
import { testPod } from "./testing";

const unschedulable = (message: string) => ({ type: "PodScheduled", status: "False", reason: "Unschedulable", message });

test("sets the condition with timestamps; an identical condition is not rewritten", () => {
  const t1 = new Date("2026-01-01T00:00:00.500Z");
  const pod = withCondition(testPod("p"), unschedulable("0/1 nodes are available: 1 Insufficient cpu."), t1)!;
  assert.deepEqual((pod.status as { conditions: unknown[] }).conditions, [
    { type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes are available: 1 Insufficient cpu.", lastProbeTime: null, lastTransitionTime: "2026-01-01T00:00:00Z" },
  ]);
  assert.equal(withCondition(pod, unschedulable("0/1 nodes are available: 1 Insufficient cpu."), new Date()), undefined);
});

test("a new message keeps the transition time of the same status; other conditions stay", () => {
  const base = testPod("p");
  base.status = { phase: "Pending", conditions: [{ type: "Ready", status: "False" }, { type: "PodScheduled", status: "False", reason: "Unschedulable", message: "old", lastTransitionTime: "2025-12-31T00:00:00Z" }] };
  const pod = withCondition(base, unschedulable("new"), new Date("2026-01-01T00:00:00Z"))!;
  const conditions = (pod.status as { conditions: Record<string, unknown>[] }).conditions;
  assert.deepEqual(conditions.map((c) => c.type), ["Ready", "PodScheduled"]);
  assert.equal(conditions[1].message, "new");
  assert.equal(conditions[1].lastTransitionTime, "2025-12-31T00:00:00Z");
});
