import assert from "node:assert/strict";
import { test } from "node:test";
import { nodeInfo, podInfo, testNode } from "../testing";
import { leastRequested, mostRequested } from "./allocation-score";
import { scorersFor } from "./index";
import { leastAllocated } from "./least-allocated";
import { mostAllocated } from "./most-allocated";

const node = testNode("n", { cpu: "4", memory: "8Gi" });

test("most-allocated: the fraction requested once the pod is placed, cpu and memory weighted equally", () => {
  const empty = nodeInfo(node);
  // cpu 1/4 = 25, memory 2/8 = 25
  assert.equal(mostAllocated.score(podInfo("p", { cpu: "1", memory: "2Gi" }), empty), 25);
  const half = nodeInfo(node, podInfo("a", { cpu: "2", memory: "2Gi" }));
  // cpu 3/4 = 75, memory 4/8 = 50
  assert.equal(mostAllocated.score(podInfo("p", { cpu: "1", memory: "2Gi" }), half), 62.5);
});

test("least-allocated is the mirror image", () => {
  assert.equal(leastAllocated.score(podInfo("p", { cpu: "1", memory: "2Gi" }), nodeInfo(node)), 75);
  assert.equal(leastAllocated.score(podInfo("p", { cpu: "1", memory: "2Gi" }), nodeInfo(node, podInfo("a", { cpu: "2", memory: "2Gi" }))), 37.5);
});

test("a pod without requests scores with the 100m / 200Mi defaults", () => {
  const s = mostAllocated.score(podInfo("p"), nodeInfo(node));
  assert.equal(s, (100 / 4000 * 100 + (200 / 8192) * 100) / 2);
});

test("over-commit clamps: most-allocated counts it full, least-allocated empty; no allocatable scores 0", () => {
  assert.equal(mostRequested(5000, 4000), 100);
  assert.equal(leastRequested(5000, 4000), 0);
  assert.equal(mostRequested(1, 0), 0);
  assert.equal(leastRequested(0, 0), 0);
});

test("a fuller node outranks an emptier one under bin-packing and the reverse under spreading", () => {
  const pod = podInfo("p", { cpu: "100m", memory: "128Mi" });
  const fuller = nodeInfo(node, podInfo("a", { cpu: "10m", memory: "16Mi" }));
  const empty = nodeInfo(node);
  assert.ok(mostAllocated.score(pod, fuller) > mostAllocated.score(pod, empty), "even a tiny pod tips the balance: scores are not truncated");
  assert.ok(leastAllocated.score(pod, fuller) < leastAllocated.score(pod, empty));
});

test("the strategy selects the scorer", () => {
  assert.deepEqual(scorersFor("most-allocated").map((s) => s.name), ["NodeResourcesMostAllocated"]);
  assert.deepEqual(scorersFor("least-allocated").map((s) => s.name), ["NodeResourcesLeastAllocated"]);
});
