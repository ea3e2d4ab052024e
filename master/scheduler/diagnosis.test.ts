import assert from "node:assert/strict";
import { test } from "node:test";
import { fitErrorMessage, NO_NODES_AVAILABLE, unschedulableMessage } from "./diagnosis";
import { filterNodes } from "./pipeline";
import { defaultFilters } from "./plugins";
import { nodeInfo, podInfo, testNode } from "./testing";

const filters = defaultFilters();

function message(pod: ReturnType<typeof podInfo>, nodes: ReturnType<typeof nodeInfo>[]): string {
  const { feasible, rejected } = filterNodes(pod, nodes, filters);
  assert.equal(feasible.length, 0, "the pod should fit nowhere");
  return unschedulableMessage(pod, rejected, nodes.length, filters);
}

test("entries are '<count> <reason>' sorted as strings, like kube-scheduler's sortReasonsHistogram", () => {
  const h = new Map([
    ["Insufficient cpu", 2],
    ["node(s) were unschedulable", 1],
    ["Insufficient memory", 12],
  ]);
  assert.equal(fitErrorMessage(15, h), "0/15 nodes are available: 1 node(s) were unschedulable, 12 Insufficient memory, 2 Insufficient cpu.");
  assert.equal(fitErrorMessage(0, new Map()), "0/0 nodes are available:");
});

test("the v1.32 message: filter reasons, then what preemption could do per node", () => {
  const nodes = [
    nodeInfo(testNode("a", { cpu: "2" })),
    nodeInfo(testNode("b", { cpu: "2" })),
    nodeInfo(testNode("c", { cpu: "8", unschedulable: true })),
  ];
  assert.equal(
    message(podInfo("big", { cpu: "4" }), nodes),
    "0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
  );
});

test("only unresolvable reasons: preemption is not helpful anywhere", () => {
  const nodes = [nodeInfo(testNode("a", { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] })), nodeInfo(testNode("b", { labels: { disk: "hdd" } }))];
  assert.equal(
    message(podInfo("p", { nodeSelector: { disk: "ssd" } }), nodes),
    "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: db}. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
  );
});

test("a node that is short of two resources counts under both", () => {
  const nodes = [nodeInfo(testNode("a", { cpu: "1", memory: "1Gi" }))];
  assert.match(message(podInfo("p", { cpu: "2", memory: "2Gi" }), nodes), /^0\/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory\. preemption: /);
});

test("lower-priority pods: eviction that would not be enough reports why, eviction that would help says gantry does not preempt", () => {
  const low = podInfo("low", { cpu: "3", priority: 0 });
  const small = nodeInfo(testNode("small", { cpu: "2" }), podInfo("low-2", { cpu: "1", priority: 0 }));
  const big = nodeInfo(testNode("big", { cpu: "4" }), low);
  const pod = podInfo("urgent", { cpu: "3", priority: 1000 });
  assert.equal(
    message(pod, [small, big]),
    "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 1 Insufficient cpu, 1 Preemption of lower-priority pods is not supported by gantry.",
  );
  // Equal priority pods are never victims.
  assert.match(message(podInfo("peer", { cpu: "3", priority: 0 }), [big]), /preemption: 0\/1 nodes are available: 1 No preemption victims found for incoming pod\.$/);
});

test("preemptionPolicy Never and an empty cluster have their own wording", () => {
  const nodes = [nodeInfo(testNode("a", { cpu: "1" }))];
  assert.equal(message(podInfo("p", { cpu: "2", preemptionPolicy: "Never" }), nodes), "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.");
  assert.equal(unschedulableMessage(podInfo("p"), [], 0, filters), NO_NODES_AVAILABLE);
});
