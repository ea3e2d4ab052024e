import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { nodeInfo, podInfo, testNode } from "../testing";
import { Status } from "../types";
import { defaultFilters } from "./index";
import { NODE_AFFINITY_MISMATCH, nodeAffinity } from "./node-affinity";
import { NODE_NAME_MISMATCH, nodeName } from "./node-name";
import { NODE_PORTS_CONFLICT, nodePorts } from "./node-ports";
import { nodeResourcesFit } from "./node-resources-fit";
import { NODE_UNSCHEDULABLE_REASON, nodeUnschedulable } from "./node-unschedulable";
import { taintToleration } from "./taint-toleration";

const ok = Status.success();

describe("NodeResourcesFit", () => {
  const node = testNode("n", { cpu: "2", memory: "4Gi", pods: "3", ephemeralStorage: "10Gi" });

  test("fits while the free resources last, counting pods already there", () => {
    const used = nodeInfo(node, podInfo("a", { cpu: "1500m", memory: "1Gi" }));
    assert.deepEqual(nodeResourcesFit.filter(podInfo("p", { cpu: "500m", memory: "3Gi" }), used), ok);
    assert.deepEqual(nodeResourcesFit.filter(podInfo("p", { cpu: "501m" }), used), Status.unschedulable("Insufficient cpu"));
    assert.deepEqual(nodeResourcesFit.filter(podInfo("p", { memory: "3073Mi" }), used), Status.unschedulable("Insufficient memory"));
  });

  test("reports every shortage, resolvable", () => {
    const s = nodeResourcesFit.filter(podInfo("p", { cpu: "3", memory: "5Gi", ephemeralStorage: "11Gi" }), nodeInfo(node));
    assert.deepEqual(s, { code: "Unschedulable", reasons: ["Insufficient cpu", "Insufficient memory", "Insufficient ephemeral-storage"], resolvable: true });
  });

  test("Too many pods once allocatable pods are used, even for a pod without requests", () => {
    const full = nodeInfo(node, podInfo("a"), podInfo("b"), podInfo("c"));
    assert.deepEqual(nodeResourcesFit.filter(podInfo("p"), full), Status.unschedulable("Too many pods"));
    assert.deepEqual(nodeResourcesFit.filter(podInfo("p"), nodeInfo(node, podInfo("a"), podInfo("b"))), ok);
  });

  test("a node that reports no pods capacity takes no pods (as in Kubernetes)", () => {
    const bare = testNode("bare");
    delete (bare.status as { capacity: Record<string, string> }).capacity.pods;
    delete (bare.status as { allocatable: Record<string, string> }).allocatable.pods;
    assert.deepEqual(nodeResourcesFit.filter(podInfo("p"), nodeInfo(bare)), Status.unschedulable("Too many pods"));
  });
});

describe("NodeName", () => {
  test("only the named node, unresolvable elsewhere", () => {
    assert.deepEqual(nodeName.filter(podInfo("p", { nodeName: "a" }), nodeInfo(testNode("a"))), ok);
    assert.deepEqual(nodeName.filter(podInfo("p", { nodeName: "a" }), nodeInfo(testNode("b"))), Status.unresolvable(NODE_NAME_MISMATCH));
    assert.deepEqual(nodeName.filter(podInfo("p"), nodeInfo(testNode("b"))), ok);
  });
});

describe("NodeAffinity", () => {
  const ssd = nodeInfo(testNode("fast-1", { labels: { disk: "ssd", zone: "a", cores: "16" } }));
  const hdd = nodeInfo(testNode("slow-1", { labels: { disk: "hdd", zone: "b", cores: "4" } }));
  const required = (...terms: unknown[]) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });
  const fits = (affinity: unknown, node = ssd) => nodeAffinity.filter(podInfo("p", { affinity }), node).code === "Success";

  test("nodeSelector: every label must be equal", () => {
    assert.deepEqual(nodeAffinity.filter(podInfo("p", { nodeSelector: { disk: "ssd", zone: "a" } }), ssd), ok);
    assert.deepEqual(nodeAffinity.filter(podInfo("p", { nodeSelector: { disk: "ssd", zone: "b" } }), ssd), Status.unresolvable(NODE_AFFINITY_MISMATCH));
    assert.deepEqual(nodeAffinity.filter(podInfo("p", { nodeSelector: { gpu: "yes" } }), ssd), Status.unresolvable(NODE_AFFINITY_MISMATCH));
  });

  test("matchExpressions: In, NotIn, Exists, DoesNotExist, Gt, Lt", () => {
    const expr = (key: string, operator: string, values?: string[]) => required({ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] });
    assert.equal(fits(expr("disk", "In", ["ssd", "nvme"])), true);
    assert.equal(fits(expr("disk", "In", ["ssd"]), hdd), false);
    assert.equal(fits(expr("disk", "NotIn", ["hdd"])), true);
    assert.equal(fits(expr("disk", "NotIn", ["hdd"]), hdd), false);
    assert.equal(fits(expr("gpu", "NotIn", ["yes"])), true, "a missing label is NotIn anything");
    assert.equal(fits(expr("zone", "Exists")), true);
    assert.equal(fits(expr("gpu", "Exists")), false);
    assert.equal(fits(expr("gpu", "DoesNotExist")), true);
    assert.equal(fits(expr("zone", "DoesNotExist")), false);
    assert.equal(fits(expr("cores", "Gt", ["8"])), true);
    assert.equal(fits(expr("cores", "Gt", ["8"]), hdd), false);
    assert.equal(fits(expr("cores", "Lt", ["8"]), hdd), true);
    assert.equal(fits(expr("zone", "Gt", ["1"])), false, "a non-integer label never satisfies Gt");
  });

  test("terms are ORed, expressions within a term ANDed", () => {
    const both = required({ matchExpressions: [{ key: "disk", operator: "In", values: ["ssd"] }, { key: "zone", operator: "In", values: ["b"] }] });
    assert.equal(fits(both), false);
    const either = required({ matchExpressions: [{ key: "zone", operator: "In", values: ["b"] }] }, { matchExpressions: [{ key: "disk", operator: "In", values: ["ssd"] }] });
    assert.equal(fits(either), true);
    assert.equal(fits(either, hdd), true);
  });

  test("matchFields metadata.name picks nodes by name; empty or invalid terms match nothing", () => {
    assert.equal(fits(required({ matchFields: [{ key: "metadata.name", operator: "In", values: ["fast-1"] }] })), true);
    assert.equal(fits(required({ matchFields: [{ key: "metadata.name", operator: "In", values: ["fast-1"] }] }), hdd), false);
    assert.equal(fits(required({ matchFields: [{ key: "metadata.name", operator: "NotIn", values: ["fast-1"] }] }), hdd), true);
    assert.equal(fits(required({})), false);
    assert.equal(fits(required({ matchExpressions: [{ key: "disk", operator: "Like", values: ["ssd"] }] })), false);
    assert.equal(fits(required({ matchFields: [{ key: "metadata.uid", operator: "In", values: ["x"] }] })), false);
  });

  test("nodeSelector and affinity must both hold", () => {
    const affinity = required({ matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] });
    assert.equal(nodeAffinity.filter(podInfo("p", { affinity, nodeSelector: { disk: "hdd" } }), ssd).code, "Unschedulable");
    assert.equal(nodeAffinity.filter(podInfo("p", { affinity, nodeSelector: { disk: "ssd" } }), ssd).code, "Success");
  });
});

describe("TaintToleration", () => {
  const tainted = nodeInfo(testNode("t", { taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }, { key: "maintenance", effect: "NoExecute" }] }));

  test("names the first untolerated NoSchedule/NoExecute taint as Kubernetes prints it", () => {
    assert.deepEqual(taintToleration.filter(podInfo("p"), tainted), Status.unresolvable("node(s) had untolerated taint {dedicated: gpu}"));
    const gpuOnly = podInfo("p", { tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }] });
    assert.deepEqual(taintToleration.filter(gpuOnly, tainted), Status.unresolvable("node(s) had untolerated taint {maintenance: }"));
  });

  test("Exists, empty effect and empty key tolerate broadly; a wrong value does not", () => {
    const all = podInfo("p", { tolerations: [{ operator: "Exists" }] });
    assert.deepEqual(taintToleration.filter(all, tainted), ok);
    const byKey = podInfo("p", { tolerations: [{ key: "dedicated", operator: "Exists" }, { key: "maintenance", operator: "Exists", effect: "NoExecute" }] });
    assert.deepEqual(taintToleration.filter(byKey, tainted), ok);
    const wrong = podInfo("p", { tolerations: [{ key: "dedicated", value: "cpu" }, { key: "maintenance", operator: "Exists" }] });
    assert.equal(taintToleration.filter(wrong, tainted).code, "Unschedulable");
  });

  test("PreferNoSchedule does not filter; the not-ready taint does", () => {
    assert.deepEqual(taintToleration.filter(podInfo("p"), nodeInfo(testNode("s", { taints: [{ key: "soft", effect: "PreferNoSchedule" }] }))), ok);
    const notReady = nodeInfo(testNode("nr", { taints: [{ key: "node.kubernetes.io/not-ready", effect: "NoSchedule" }] }));
    // The default tolerations the apiserver adds are for NoExecute only, so they do not help here.
    const defaulted = podInfo("p", { tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }] });
    assert.deepEqual(taintToleration.filter(defaulted, notReady), Status.unresolvable("node(s) had untolerated taint {node.kubernetes.io/not-ready: }"));
  });
});

describe("NodeUnschedulable", () => {
  test("a cordoned node takes only pods tolerating node.kubernetes.io/unschedulable", () => {
    const cordoned = nodeInfo(testNode("c", { unschedulable: true }));
    assert.deepEqual(nodeUnschedulable.filter(podInfo("p"), cordoned), Status.unresolvable(NODE_UNSCHEDULABLE_REASON));
    const ds = podInfo("p", { tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }] });
    assert.deepEqual(nodeUnschedulable.filter(ds, cordoned), ok);
    assert.deepEqual(nodeUnschedulable.filter(podInfo("p"), nodeInfo(testNode("u"))), ok);
  });
});

describe("NodePorts", () => {
  const node = testNode("n");
  const web = podInfo("web", { hostPort: 80 });

  test("a used host port conflicts per protocol and address; 0.0.0.0 conflicts with any address", () => {
    const busy = nodeInfo(node, web);
    assert.deepEqual(nodePorts.filter(podInfo("p", { hostPort: 80 }), busy), Status.unschedulable(NODE_PORTS_CONFLICT));
    assert.deepEqual(nodePorts.filter(podInfo("p", { hostPort: { hostPort: 80, hostIP: "10.0.0.1" } }), busy), Status.unschedulable(NODE_PORTS_CONFLICT));
    assert.deepEqual(nodePorts.filter(podInfo("p", { hostPort: { hostPort: 80, protocol: "UDP" } }), busy), ok);
    assert.deepEqual(nodePorts.filter(podInfo("p", { hostPort: 81 }), busy), ok);
    const specific = nodeInfo(node, podInfo("a", { hostPort: { hostPort: 53, hostIP: "10.0.0.1" } }));
    assert.deepEqual(nodePorts.filter(podInfo("p", { hostPort: { hostPort: 53, hostIP: "10.0.0.2" } }), specific), ok);
    assert.deepEqual(nodePorts.filter(podInfo("p", { hostPort: 53 }), specific), Status.unschedulable(NODE_PORTS_CONFLICT));
  });

  test("the port is free again once the pod holding it is removed", () => {
    const busy = nodeInfo(node, web);
    busy.removePod(web.key);
    assert.deepEqual(nodePorts.filter(podInfo("p", { hostPort: 80 }), busy), ok);
  });
});

test("the default filters run in Kubernetes' order, cheapest and unresolvable first", () => {
  assert.deepEqual(
    defaultFilters().map((f) => f.name),
    ["NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity", "NodePorts", "NodeResourcesFit"],
  );
});
