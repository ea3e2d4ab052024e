import assert from "node:assert/strict";
import { test } from "node:test";
import { SchedulerCache } from "./cache";
import { Snapshot } from "./snapshot";
import { newPodInfo } from "./pod-info";
import { testNode, testPod } from "./testing";

function fresh(cache: SchedulerCache): Snapshot {
  const s = new Snapshot();
  cache.updateSnapshot(s);
  return s;
}

test("bound, non-terminal pods count on their node; terminal pods do not", () => {
  const cache = new SchedulerCache();
  cache.setNode(testNode("a", { cpu: "4" }));
  cache.observePod(testPod("p1", { cpu: "1", nodeName: "a" }));
  cache.observePod(testPod("p2", { cpu: "2", nodeName: "a", phase: "Succeeded" }));
  const s = fresh(cache);
  assert.equal(s.nodes[0].requested.milliCpu, 1000);
  assert.equal(s.nodes[0].pods.size, 1);
  // A running pod that finishes frees its resources.
  cache.observePod(testPod("p1", { cpu: "1", nodeName: "a", phase: "Failed" }));
  cache.updateSnapshot(s);
  assert.equal(s.nodes[0].requested.milliCpu, 0);
});

test("assume counts a pod at once; the informer's confirmation replaces it; forget takes it back", () => {
  const cache = new SchedulerCache();
  cache.setNode(testNode("a"));
  cache.setNode(testNode("b"));
  const pending = testPod("web", { cpu: "1" });
  cache.assume(newPodInfo(pending), "a");
  const s = fresh(cache);
  assert.equal(cache.isAssumed("default/web"), true);
  assert.equal(s.byName.get("a")!.requested.milliCpu, 1000);

  // etcd says it landed on b (someone else bound it): the observation wins.
  cache.observePod(testPod("web", { cpu: "1", nodeName: "b" }));
  cache.updateSnapshot(s);
  assert.equal(cache.isAssumed("default/web"), false);
  assert.equal(s.byName.get("a")!.requested.milliCpu, 0);
  assert.equal(s.byName.get("b")!.requested.milliCpu, 1000);
  cache.forget("default/web");
  assert.equal(cache.nodeOf("default/web"), "b", "a confirmed pod is not forgotten");

  cache.assume(newPodInfo(testPod("api", { cpu: "2" })), "a");
  cache.forget("default/api", "some-other-uid");
  assert.equal(cache.isAssumed("default/api"), true, "a forget for an older pod of the same name is ignored");
  cache.forget("default/api", "uid-api");
  cache.updateSnapshot(s);
  assert.equal(s.byName.get("a")!.requested.milliCpu, 0);
  assert.equal(cache.nodeOf("default/api"), undefined);
});

test("snapshots are copies, updated only where the cache changed", () => {
  const cache = new SchedulerCache();
  for (const n of ["c", "a", "b"]) cache.setNode(testNode(n));
  const s = fresh(cache);
  assert.deepEqual(s.nodes.map((n) => n.name), ["a", "b", "c"], "sorted by name");
  const [a, b] = s.nodes;
  cache.assume(newPodInfo(testPod("p", { cpu: "1" })), "b");
  assert.equal(s.nodes[1].requested.milliCpu, 0, "the snapshot does not see the change until updated");
  cache.updateSnapshot(s);
  assert.equal(s.nodes[0], a, "untouched nodes keep their copy");
  assert.notEqual(s.nodes[1], b);
  assert.equal(s.nodes[1].requested.milliCpu, 1000);
  assert.equal(b.requested.milliCpu, 0, "an older copy is never mutated");
});

test("pods on a node the cache has not seen are kept; the node joins the list when it appears and leaves when deleted", () => {
  const cache = new SchedulerCache();
  cache.observePod(testPod("early", { cpu: "1", nodeName: "late" }));
  const s = fresh(cache);
  assert.equal(s.nodes.length, 0);
  cache.setNode(testNode("late"));
  cache.updateSnapshot(s);
  assert.deepEqual(s.nodes.map((n) => [n.name, n.requested.milliCpu]), [["late", 1000]]);
  cache.removeNode("late");
  cache.updateSnapshot(s);
  assert.equal(s.nodes.length, 0);
  assert.equal(cache.nodeOf("default/early"), "late");
  cache.removePod("default/early");
  cache.updateSnapshot(s);
  assert.equal(s.byName.size, 0);
});
