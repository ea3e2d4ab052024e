import assert from "node:assert/strict";
import { test } from "node:test";
import { SchedulerCache } from "./cache";
import { filterNodes, scoreNodes, selectHost } from "./pipeline";
import { newPodInfo } from "./pod-info";
import { defaultFilters, scorersFor } from "./plugins";
import { Snapshot } from "./snapshot";
import { podInfo, testNode, testPod } from "./testing";

function cluster(n: number) {
  const cache = new SchedulerCache();
  for (let i = 0; i < n; i++) cache.setNode(testNode(`node-${String(i).padStart(2, "0")}`, { cpu: "4", memory: "8Gi", labels: { zone: i % 2 ? "odd" : "even" } }));
  const snapshot = new Snapshot();
  cache.updateSnapshot(snapshot);
  return { cache, snapshot };
}

test("nodes in the same state form one class; a pod that reads no labels or names sees one candidate per class", () => {
  const { cache, snapshot } = cluster(10);
  assert.equal(snapshot.classCount(), 1, "labels are not part of the state");
  assert.equal(snapshot.candidatesFor(podInfo("p", { cpu: "1" })).length, 1);
  assert.equal(snapshot.candidatesFor(podInfo("p", { nodeSelector: { zone: "odd" } })).length, 10, "a pod selecting on labels sees every node");
  assert.equal(snapshot.candidatesFor(podInfo("p", { nodeName: "node-01" })).length, 10);
  cache.assume(newPodInfo(testPod("a", { cpu: "1" })), "node-03");
  cache.assume(newPodInfo(testPod("b", { cpu: "1" })), "node-07");
  cache.updateSnapshot(snapshot);
  assert.equal(snapshot.classCount(), 2, "two nodes with one 1-cpu pod each are alike");
  const rep = snapshot.candidatesFor(podInfo("p")).find((n) => n.pods.size === 1)!;
  assert.deepEqual(snapshot.standsFor(podInfo("p"))(rep).map((n) => n.name), ["node-03", "node-07"]);
  assert.deepEqual(snapshot.standsFor(podInfo("p", { nodeSelector: { zone: "odd" } }))(rep).map((n) => n.name), [rep.name]);
});

test("choosing among class representatives picks exactly the node a full scan picks", () => {
  const filters = defaultFilters();
  for (const scoring of ["most-allocated", "least-allocated"] as const) {
    const scorers = scorersFor(scoring);
    const { cache, snapshot } = cluster(12);
    for (let i = 0; i < 60; i++) {
      const pod = newPodInfo(testPod(`pod-${i}`, { cpu: `${100 * (1 + ((i * 7) % 15))}m`, memory: `${128 * (1 + ((i * 5) % 9))}Mi` }));
      cache.updateSnapshot(snapshot);
      const full = filterNodes(pod, snapshot.nodes, filters);
      const byClass = filterNodes(pod, snapshot.candidatesFor(pod), filters);
      const a = selectHost(pod, full.feasible, scoreNodes(pod, full.feasible, scorers));
      const b = selectHost(pod, byClass.feasible, scoreNodes(pod, byClass.feasible, scorers), snapshot.standsFor(pod));
      assert.equal(b?.name, a?.name, `${scoring}, pod-${i}`);
      if (a) cache.assume(pod, a.name);
    }
    assert.ok(snapshot.classCount() > 1);
  }
});
