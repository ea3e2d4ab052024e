import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { parseWorkloadConfig, selectWorkloads, WorkloadConfigError, type CreateNodesOp, type CreatePodsOp } from "./workload-config";

const CONFIG = readFileSync(path.resolve(__dirname, "../../bench/scheduler-workloads.yaml"), "utf8");

const minimal = (op: string, extra = "") => `
- name: Case
  workloadTemplate:
  - {opcode: createNodes, countParam: $nodes}
  - ${op}
  workloads:
  - {name: 2Nodes_3Pods, size: small, params: {nodes: 2, pods: 3}${extra}}
`;

function rejects(text: string, field: RegExp | string) {
  assert.throws(
    () => parseWorkloadConfig(text),
    (err: unknown) => {
      assert.ok(err instanceof WorkloadConfigError, String(err));
      if (typeof field === "string") assert.equal(err.field, field);
      else assert.match(err.message, field);
      return true;
    },
  );
}

test("the shipped config parses: every test case has small, medium and large sizes", () => {
  const plans = parseWorkloadConfig(CONFIG);
  const cases = [...new Set(plans.map((p) => p.testCase))];
  assert.deepEqual(cases, ["SchedulingBasic", "SchedulingNodeAffinity", "SchedulingTaintToleration", "SchedulingHostPorts", "SchedulingWithUnschedulable"]);
  for (const size of ["small", "medium", "large"]) assert.equal(selectWorkloads(plans, size).length, cases.length, size);
  const basic = selectWorkloads(plans, "5000Nodes_10000Pods", ["SchedulingBasic"]);
  assert.equal(basic.length, 1);
  assert.equal(basic[0].name, "SchedulingBasic/5000Nodes_10000Pods");
  const [nodes, pods] = basic[0].ops as [CreateNodesOp, CreatePodsOp];
  assert.equal(nodes.count, 5000);
  assert.deepEqual([nodes.capacity.milliCpu, nodes.capacity.memoryBytes, nodes.capacity.podSlots], [8000, 32 * 2 ** 30, 110]);
  assert.deepEqual([pods.count, pods.collectMetrics], [10000, true]);
  assert.deepEqual(pods.milliCpu, { min: 100, max: 2000, step: 100 });
  assert.deepEqual(pods.memoryBytes, { min: 128 * 2 ** 20, max: 4 * 2 ** 30, step: 128 * 2 ** 20 });
});

test("parameters, fixed quantities, label rotation, taints, host ports and unschedulable pods are read", () => {
  const [plan] = parseWorkloadConfig(`
- name: Mixed
  seed: 7
  workloadTemplate:
  - opcode: createNodes
    count: 4
    capacity: {cpu: "4", memory: 16Gi, pods: "20"}
    labelRotation: {key: zone, values: [a, b]}
    taints: [{key: dedicated, value: x, effect: NoSchedule}]
  - {opcode: createPods, countParam: $stuck, expectUnschedulable: true, podTemplate: {cpu: "64"}}
  - opcode: createPods
    countParam: $pods
    collectMetrics: true
    podTemplate: {memory: 1Gi, hostPorts: {min: 80, max: 81}, nodeSelector: {zone: a}, tolerations: [{key: dedicated, operator: Exists}]}
  workloads:
  - {name: tiny, size: small, params: {stuck: 2, pods: 5}}
`);
  assert.equal(plan.seed, 7);
  const [nodes, stuck, pods] = plan.ops as [CreateNodesOp, CreatePodsOp, CreatePodsOp];
  assert.deepEqual(nodes.labelRotation, { key: "zone", values: ["a", "b"] });
  assert.deepEqual(nodes.taints, [{ key: "dedicated", value: "x", effect: "NoSchedule" }]);
  assert.equal(nodes.capacity.podSlots, 20);
  assert.deepEqual([stuck.count, stuck.expectUnschedulable, stuck.milliCpu], [2, true, { min: 64000, max: 64000, step: 1 }]);
  assert.deepEqual(pods.hostPorts, { min: 80, max: 81 });
  assert.deepEqual(pods.nodeSelector, { zone: "a" });
  assert.equal(pods.memoryBytes.min, 2 ** 30);
  assert.equal(pods.milliCpu.min, 100, "cpu defaults to 100m");
});

test("mistakes are refused with the field that is wrong", () => {
  rejects("- [", /not valid YAML/);
  rejects(minimal("{opcode: createPods, countParam: $missing, collectMetrics: true}"), /\$missing is not among the params of workload 2Nodes_3Pods/);
  rejects(minimal("{opcode: deletePods, count: 1}"), "Case.workloadTemplate[1].opcode");
  rejects(minimal("{opcode: createPods, count: 3}"), /no createPods operation has collectMetrics/);
  rejects(minimal("{opcode: createPods, count: 3, collectMetrics: true, podTemplate: {cpu: lots}}"), "Case.workloadTemplate[1].podTemplate.cpu");
  rejects(minimal("{opcode: createPods, count: 3, collectMetrics: true, podTemplate: {cpu: {min: 2, max: 1, step: 1}}}"), "Case.workloadTemplate[1].podTemplate.cpu");
  rejects(minimal("{opcode: createPods, count: 3, collectMetrics: true, podTemplate: {hostPorts: {min: 0, max: 2}}}"), "Case.workloadTemplate[1].podTemplate.hostPorts.min");
  rejects(minimal("{opcode: createPods, count: 3, collectMetrics: true, podTemplate: {image: x}}"), "Case.workloadTemplate[1].podTemplate.image");
  rejects(minimal("{opcode: createPods, count: 3, collectMetrics: true, expectUnschedulable: true}"), "Case.workloadTemplate[1]");
  rejects(minimal("{opcode: createPods, count: 1.5, collectMetrics: true}"), "Case.workloadTemplate[1].count");
  rejects(minimal("{opcode: createPods, count: 3, collectMetrics: true}", ", extra: 1"), "Case.workloads[0].extra");
  rejects(minimal("{opcode: createPods, count: 3, collectMetrics: true}").replace("{nodes: 2,", "{nodes: -2,"), "Case.workloads[0].params.nodes");
});

test("selection by size label or workload name, limited to test cases; unknown names are errors", () => {
  const plans = parseWorkloadConfig(CONFIG);
  assert.deepEqual(
    selectWorkloads(plans, "small", ["SchedulingHostPorts"]).map((p) => p.name),
    ["SchedulingHostPorts/100Nodes_200Pods"],
  );
  assert.throws(() => selectWorkloads(plans, "huge"), /no workload has size or name huge \(sizes: small, medium, large\)/);
  assert.throws(() => selectWorkloads(plans, "small", ["SchedulingMagic"]), /unknown test case SchedulingMagic/);
});
