import assert from "node:assert/strict";
import { test } from "node:test";
import { filterNodes, hashKey, scoreNodes, selectHost } from "./pipeline";
import { defaultFilters, scorersFor } from "./plugins";
import { nodeInfo, podInfo, testNode } from "./testing";
import { Status, type FilterPlugin } from "./types";

test("filterNodes keeps feasible nodes and records the first failing plugin per node", () => {
  const nodes = [nodeInfo(testNode("a", { cpu: "1" })), nodeInfo(testNode("b", { cpu: "4" })), nodeInfo(testNode("c", { cpu: "1", unschedulable: true }))];
  const { feasible, rejected, error } = filterNodes(podInfo("p", { cpu: "2" }), nodes, defaultFilters());
  assert.equal(error, undefined);
  assert.deepEqual(feasible.map((n) => n.name), ["b"]);
  assert.deepEqual(rejected.map((r) => [r.node.name, r.plugin, r.status.reasons]), [
    ["a", "NodeResourcesFit", ["Insufficient cpu"]],
    // Cordoned and short of cpu: only the first failing filter speaks, as in Kubernetes.
    ["c", "NodeUnschedulable", ["node(s) were unschedulable"]],
  ]);
});

test("a plugin error aborts filtering and names the plugin and node", () => {
  const broken: FilterPlugin = { name: "Broken", filter: () => Status.error("no data") };
  const r = filterNodes(podInfo("p"), [nodeInfo(testNode("a"))], [broken]);
  assert.deepEqual(r.error, { plugin: "Broken", node: "a", message: "no data" });
});

test("selectHost takes the best score; ties rotate by the pod's name hash, deterministically", () => {
  const nodes = ["a", "b", "c", "d"].map((n) => nodeInfo(testNode(n)));
  const best = selectHost(podInfo("p"), nodes, [1, 5, 3, 2]);
  assert.equal(best?.name, "b");
  const tied = [5, 1, 5, 5];
  const chosen = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const pod = podInfo(`pod-${i}`);
    const pick = selectHost(pod, nodes, tied)!;
    assert.equal(pick.name, ["a", "c", "d"][hashKey(pod.key) % 3]);
    assert.equal(selectHost(pod, nodes, tied)!.name, pick.name, "same pod, same answer");
    chosen.add(pick.name);
  }
  assert.deepEqual([...chosen].sort(), ["a", "c", "d"], "different pods spread over tied nodes");
  assert.equal(selectHost(podInfo("p"), [], []), undefined);
});

test("scoreNodes sums the scorers per node", () => {
  const nodes = [nodeInfo(testNode("a", { cpu: "4", memory: "8Gi" }), podInfo("x", { cpu: "2", memory: "4Gi" })), nodeInfo(testNode("b", { cpu: "4", memory: "8Gi" }))];
  const pod = podInfo("p", { cpu: "1", memory: "2Gi" });
  assert.deepEqual(scoreNodes(pod, nodes, scorersFor("most-allocated")), [75, 25]);
  assert.deepEqual(scoreNodes(pod, nodes, scorersFor("least-allocated")), [25, 75]);
});
