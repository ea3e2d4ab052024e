import assert from "node:assert/strict";
import { test } from "node:test";
import { SchedulerCache } from "./cache";
import { filterNodes, scoreNodes, selectHost } from "./pipeline";
import { newPodInfo } from "./pod-info";
import { defaultFilters, podDependentFilters, scorersFor } from "./plugins";
import { Snapshot } from "./snapshot";
import { podInfo, testNode, testPod, type NodeSpecForTest } from "./testing";

const ZONES = ["a", "b", "c"];

function cluster(n: number, spec: (i: number) => NodeSpecForTest = (i) => ({ labels: { zone: ZONES[i % 3] } })) {
  const cache = new SchedulerCache();
  for (let i = 0; i < n; i++) cache.setNode(testNode(`node-${String(i).padStart(2, "0")}`, { cpu: "4", memory: "8Gi", ...spec(i) }));
  const snapshot = new Snapshot();
  cache.updateSnapshot(snapshot);
  return { cache, snapshot };
}

const names = (s: Snapshot, pod: ReturnType<typeof podInfo>) => {
  const { candidates, standsFor } = s.placementFor(pod);
  return candidates.flatMap((c) => standsFor(c).map((n) => n.name)).sort();
};

test("pods with the same selector share one equivalence class; its eligible nodes are grouped by state", () => {
  const { snapshot } = cluster(9);
  const a1 = podInfo("a1", { cpu: "1", nodeSelector: { zone: "a" } });
  const a2 = podInfo("a2", { cpu: "2", nodeSelector: { zone: "a" } });
  assert.equal(a1.equivalenceKey, a2.equivalenceKey, "requests are not part of the key");
  assert.deepEqual(names(snapshot, a1), ["node-00", "node-03", "node-06"]);
  assert.equal(snapshot.placementFor(a1).candidates.length, 1, "three empty zone-a nodes: one candidate");
  names(snapshot, a2);
  assert.deepEqual(snapshot.equivalence.stats, { hits: 2, misses: 1, classes: 1 });
});

test("a node change invalidates: a relabelled node leaves or joins the class, a placed pod moves it to another group", () => {
  const { cache, snapshot } = cluster(6);
  const pod = podInfo("p", { nodeSelector: { zone: "a" } });
  assert.deepEqual(names(snapshot, pod), ["node-00", "node-03"]);

  cache.setNode(testNode("node-03", { cpu: "4", memory: "8Gi", labels: { zone: "b" } }));
  cache.setNode(testNode("node-04", { cpu: "4", memory: "8Gi", labels: { zone: "a" } }));
  cache.updateSnapshot(snapshot);
  assert.deepEqual(names(snapshot, pod), ["node-00", "node-04"], "labels changed: the cached class follows");

  cache.setNode(testNode("node-00", { cpu: "4", memory: "8Gi", labels: { zone: "a" }, taints: [{ key: "dedicated", value: "x", effect: "NoSchedule" }] }));
  cache.updateSnapshot(snapshot);
  assert.deepEqual(names(snapshot, pod), ["node-04"], "a tainted node leaves the class of pods that do not tolerate it");

  cache.assume(newPodInfo(testPod("x", { cpu: "1" })), "node-04");
  cache.setNode(testNode("node-01", { cpu: "4", memory: "8Gi", labels: { zone: "a" } }));
  cache.updateSnapshot(snapshot);
  const { candidates } = snapshot.placementFor(pod);
  assert.deepEqual(candidates.map((c) => c.name).sort(), ["node-01", "node-04"], "node-04 now holds a pod: its own group");
  assert.equal(candidates.find((c) => c.name === "node-04")!.pods.size, 1, "the candidate is the current copy");

  cache.removeNode("node-01");
  cache.updateSnapshot(snapshot);
  assert.deepEqual(names(snapshot, pod), ["node-04"], "a deleted node leaves every class");
});

test("pods with different tolerations do not share a class", () => {
  const taint = { key: "dedicated", value: "bench", effect: "NoSchedule" };
  const { snapshot } = cluster(4, (i) => ({ labels: { zone: "a" }, taints: i % 2 ? [taint] : undefined }));
  const plain = podInfo("plain", { nodeSelector: { zone: "a" } });
  const tolerant = podInfo("tolerant", { nodeSelector: { zone: "a" }, tolerations: [{ key: "dedicated", operator: "Equal", value: "bench", effect: "NoSchedule" }] });
  const other = podInfo("other", { nodeSelector: { zone: "a" }, tolerations: [{ key: "dedicated", operator: "Equal", value: "other", effect: "NoSchedule" }] });
  assert.notEqual(plain.equivalenceKey, tolerant.equivalenceKey);
  assert.notEqual(tolerant.equivalenceKey, other.equivalenceKey);
  assert.deepEqual(names(snapshot, plain), ["node-00", "node-02"]);
  assert.deepEqual(names(snapshot, tolerant), ["node-00", "node-01", "node-02", "node-03"]);
  assert.deepEqual(names(snapshot, other), ["node-00", "node-02"], "a toleration for another value tolerates nothing here");
  assert.equal(snapshot.equivalence.stats.classes, 3);
});

test("through the equivalence cache, pods land exactly where a full scan with every filter puts them", () => {
  const filters = defaultFilters();
  const podFilters = podDependentFilters();
  const taint = { key: "dedicated", value: "x", effect: "NoSchedule" };
  const toleration = { key: "dedicated", operator: "Exists", effect: "NoSchedule" };
  for (const scoring of ["most-allocated", "least-allocated"] as const) {
    const scorers = scorersFor(scoring);
    const { cache, snapshot } = cluster(15, (i) => ({ labels: { zone: ZONES[i % 3] }, taints: i % 5 === 0 ? [taint] : undefined, unschedulable: i === 7 }));
    let placed = 0;
    for (let i = 0; i < 150; i++) {
      const pod = newPodInfo(
        testPod(`pod-${i}`, {
          cpu: `${100 * (1 + ((i * 7) % 15))}m`,
          memory: `${128 * (1 + ((i * 5) % 9))}Mi`,
          nodeSelector: i % 4 ? { zone: ZONES[i % 3] } : undefined,
          tolerations: i % 3 === 0 ? [toleration] : undefined,
          hostPort: i % 6 === 0 ? 8080 : undefined,
        }),
      );
      cache.updateSnapshot(snapshot);
      const full = filterNodes(pod, snapshot.nodes, filters);
      const expected = selectHost(pod, full.feasible, scoreNodes(pod, full.feasible, scorers));
      const { candidates, standsFor } = snapshot.placementFor(pod);
      const byClass = filterNodes(pod, candidates, podFilters);
      const got = selectHost(pod, byClass.feasible, scoreNodes(pod, byClass.feasible, scorers), standsFor);
      assert.equal(got?.name, expected?.name, `${scoring}, pod-${i}`);
      if (expected) {
        cache.assume(pod, expected.name);
        placed++;
      }
    }
    assert.ok(placed > 50 && placed < 150, `some pods fit, some do not (${placed})`);
  }
});

test("groups without room for the pod's cpu request are skipped", () => {
  const { cache, snapshot } = cluster(4);
  cache.assume(newPodInfo(testPod("big", { cpu: "3500m" })), "node-00");
  cache.assume(newPodInfo(testPod("mid", { cpu: "2" })), "node-01");
  cache.updateSnapshot(snapshot);
  const free = (cpu: string) => snapshot.placementFor(podInfo("p", { cpu })).candidates.map((n) => n.allocatable.milliCpu - n.requested.milliCpu);
  assert.deepEqual(free("100m"), [4000, 2000, 500], "most free first, one per group");
  assert.deepEqual(free("1"), [4000, 2000]);
  assert.deepEqual(free("4"), [4000]);
  assert.deepEqual(free("5"), []);
});
