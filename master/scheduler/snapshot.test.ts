import assert from "node:assert/strict";
import { test } from "node:test";
import { SchedulerCache } from "./cache";
import { filterNodes, scoreNodes, selectHost } from "./pipeline";
import { newPodInfo } from "./pod-info";
import { defaultFilters, podDependentFilters, scorersFor } from "./plugins";
import { Snapshot } from "./snapshot";
import { podInfo, testNode, testPod } from "./testing";

function cluster(n: number) {
  const cache = new SchedulerCache();
  for (let i = 0; i < n; i++) cache.setNode(testNode(`node-${String(i).padStart(2, "0")}`, { cpu: "4", memory: "8Gi", labels: { zone: i % 2 ? "odd" : "even" } }));
  const snapshot = new Snapshot();
  cache.updateSnapshot(snapshot);
  return { cache, snapshot };
}

const names = (nodes: readonly { name: string }[]) => nodes.map((n) => n.name);

test("nodes in the same state form one group; a cycle sees one candidate per group of the nodes the pod may use", () => {
  const { cache, snapshot } = cluster(10);
  const plain = snapshot.placementFor(podInfo("p", { cpu: "1" }));
  assert.equal(plain.candidates.length, 1, "labels are not part of the state");
  assert.equal(plain.standsFor(plain.candidates[0]).length, 10);
  const odd = snapshot.placementFor(podInfo("p", { nodeSelector: { zone: "odd" } }));
  assert.equal(odd.candidates.length, 1);
  assert.deepEqual(names(odd.standsFor(odd.candidates[0])), ["node-01", "node-03", "node-05", "node-07", "node-09"]);
  const named = snapshot.placementFor(podInfo("p", { nodeName: "node-01" }));
  assert.deepEqual(names(named.candidates), ["node-01"]);
  assert.equal(snapshot.placementFor(podInfo("p", { cpu: "5" })).candidates.length, 0, "no group has room for 5 cpus");

  cache.assume(newPodInfo(testPod("a", { cpu: "1" })), "node-03");
  cache.assume(newPodInfo(testPod("b", { cpu: "1" })), "node-07");
  cache.updateSnapshot(snapshot);
  const after = snapshot.placementFor(podInfo("p"));
  assert.equal(after.candidates.length, 2, "two nodes with one 1-cpu pod each are alike");
  const rep = after.candidates.find((n) => n.pods.size === 1)!;
  assert.deepEqual(names(after.standsFor(rep)), ["node-03", "node-07"]);
  assert.equal(snapshot.placementFor(podInfo("p", { cpu: "3500m" })).candidates.length, 1, "the nodes with a pod have only 3 cpus left");
});

test("choosing among group representatives picks exactly the node a full scan picks", () => {
  const filters = defaultFilters();
  for (const scoring of ["most-allocated", "least-allocated"] as const) {
    const scorers = scorersFor(scoring);
    const { cache, snapshot } = cluster(12);
    for (let i = 0; i < 60; i++) {
      const pod = newPodInfo(testPod(`pod-${i}`, { cpu: `${100 * (1 + ((i * 7) % 15))}m`, memory: `${128 * (1 + ((i * 5) % 9))}Mi` }));
      cache.updateSnapshot(snapshot);
      const full = filterNodes(pod, snapshot.nodes, filters);
      const { candidates, standsFor } = snapshot.placementFor(pod);
      const byGroup = filterNodes(pod, candidates, podDependentFilters());
      const a = selectHost(pod, full.feasible, scoreNodes(pod, full.feasible, scorers));
      const b = selectHost(pod, byGroup.feasible, scoreNodes(pod, byGroup.feasible, scorers), standsFor);
      assert.equal(b?.name, a?.name, `${scoring}, pod-${i}`);
      if (a) cache.assume(pod, a.name);
    }
  }
});
