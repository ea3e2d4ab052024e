import { test } from "node:test";
import assert from "node:assert/strict";
import type { PodSpec, Taint } from "kubernetes-types/core/v1";
import type { PodObject } from "./controller-utils";
import { FailedPodBackoff, REVISION_HASH_LABEL, planDaemonSet, templateHash, type DaemonSetObject, type NodeObject } from "./daemonset-core";
import { nodeShouldRunDaemonPod, targetNodeName } from "./daemonset-eligibility";

const NOW = new Date("2024-05-01T12:00:00Z");

function node(name: string, labels: Record<string, string> = {}, taints: Taint[] = []): NodeObject {
  return { apiVersion: "v1", kind: "Node", metadata: { name, uid: `node-${name}`, labels: { "kubernetes.io/hostname": name, ...labels } }, spec: { taints } } as NodeObject;
}

function ds(spec: Partial<PodSpec> = {}, extra: Record<string, unknown> = {}): DaemonSetObject {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "agent", namespace: "kube-system", uid: "ds-uid", generation: 2 },
    spec: {
      selector: { matchLabels: { app: "agent" } },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      template: { metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "a", image: "busybox" }], ...spec } },
      ...extra,
    },
    status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 },
  } as DaemonSetObject;
}

let seq = 0;
function pod(d: DaemonSetObject, nodeName: string, opts: { hash?: string; ready?: boolean; phase?: string; bound?: boolean; created?: string; deleting?: boolean } = {}): PodObject {
  seq++;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `agent-${seq}`,
      namespace: "kube-system",
      uid: `pod-${seq}`,
      creationTimestamp: opts.created ?? `2024-05-01T11:00:${String(seq % 60).padStart(2, "0")}Z`,
      labels: { app: "agent", [REVISION_HASH_LABEL]: opts.hash ?? templateHash(d) },
      ...(opts.deleting ? { deletionTimestamp: NOW.toISOString() } : {}),
      ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", uid: "ds-uid", controller: true }],
    },
    spec: {
      containers: [],
      ...(opts.bound === false ? {} : { nodeName }),
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [nodeName] }] }] } } },
    },
    status: { phase: opts.phase ?? "Running", conditions: opts.ready === false ? [] : [{ type: "Ready", status: "True", lastTransitionTime: "2024-05-01T11:00:00Z" }] },
  } as PodObject;
}

test("eligibility: nodeSelector, required node affinity and taints against the daemon tolerations", () => {
  const spec: PodSpec = { containers: [] };
  assert.equal(nodeShouldRunDaemonPod(spec, node("a")).shouldRun, true);
  assert.equal(nodeShouldRunDaemonPod({ ...spec, nodeSelector: { disk: "ssd" } }, node("a")).shouldRun, false);
  assert.equal(nodeShouldRunDaemonPod({ ...spec, nodeSelector: { disk: "ssd" } }, node("a", { disk: "ssd" })).shouldRun, true);
  const affinity = (operator: string, values?: string[]) => ({
    ...spec,
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "gpu", operator, values }] }, { matchFields: [{ key: "metadata.name", operator: "In", values: ["special"] }] }] } } },
  });
  assert.equal(nodeShouldRunDaemonPod(affinity("Exists"), node("a", { gpu: "2" })).shouldRun, true);
  assert.equal(nodeShouldRunDaemonPod(affinity("Exists"), node("a")).shouldRun, false);
  assert.equal(nodeShouldRunDaemonPod(affinity("Exists"), node("special")).shouldRun, true, "terms are ORed");
  assert.equal(nodeShouldRunDaemonPod(affinity("Gt", ["1"]), node("a", { gpu: "2" })).shouldRun, true);
  assert.equal(nodeShouldRunDaemonPod(affinity("Lt", ["1"]), node("a", { gpu: "2" })).shouldRun, false);
  assert.equal(nodeShouldRunDaemonPod(affinity("NotIn", ["2"]), node("a", { gpu: "2" })).shouldRun, false);

  // Node trouble never keeps a daemon pod off a node: those taints are tolerated.
  for (const key of ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]) {
    const v = nodeShouldRunDaemonPod(spec, node("a", {}, [{ key, effect: "NoExecute" }]));
    assert.deepEqual([v.shouldRun, v.shouldContinueRunning], [true, true], key);
  }
  for (const key of ["node.kubernetes.io/disk-pressure", "node.kubernetes.io/memory-pressure", "node.kubernetes.io/pid-pressure", "node.kubernetes.io/unschedulable"]) {
    assert.equal(nodeShouldRunDaemonPod(spec, node("a", {}, [{ key, effect: "NoSchedule" }])).shouldRun, true, key);
  }
  const noSchedule = nodeShouldRunDaemonPod(spec, node("a", {}, [{ key: "dedicated", value: "db", effect: "NoSchedule" }]));
  assert.deepEqual([noSchedule.shouldRun, noSchedule.shouldContinueRunning], [false, true]);
  const noExecute = nodeShouldRunDaemonPod(spec, node("a", {}, [{ key: "dedicated", value: "db", effect: "NoExecute" }]));
  assert.deepEqual([noExecute.shouldRun, noExecute.shouldContinueRunning], [false, false]);
  const tolerated = nodeShouldRunDaemonPod({ ...spec, tolerations: [{ key: "dedicated", operator: "Equal", value: "db" }] }, node("a", {}, [{ key: "dedicated", value: "db", effect: "NoExecute" }]));
  assert.equal(tolerated.shouldRun, true);
  assert.equal(nodeShouldRunDaemonPod(spec, node("a", {}, [{ key: "x", effect: "PreferNoSchedule" }])).shouldRun, true);
});

test("one pod per eligible node, pinned by node affinity, with the daemon tolerations", () => {
  const d = ds({ nodeSelector: { role: "worker" }, affinity: { podAntiAffinity: {} } });
  const plan = planDaemonSet({ ds: d, nodes: [node("n1", { role: "worker" }), node("n2", { role: "worker" }), node("m1")], pods: [], now: NOW });
  assert.deepEqual(plan.create.map((c) => c.nodeName), ["n1", "n2"]);
  const created = plan.create[0].pod;
  const spec = created.spec as PodSpec;
  assert.equal(spec.nodeName, undefined, "the scheduler binds it");
  assert.deepEqual(spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }] }] });
  assert.deepEqual(spec.affinity?.podAntiAffinity, {}, "other affinity is kept");
  assert.equal(targetNodeName(spec), "n1");
  assert.deepEqual(
    spec.tolerations?.map((t) => `${t.key}:${t.effect}`),
    ["node.kubernetes.io/not-ready:NoExecute", "node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/disk-pressure:NoSchedule", "node.kubernetes.io/memory-pressure:NoSchedule", "node.kubernetes.io/pid-pressure:NoSchedule", "node.kubernetes.io/unschedulable:NoSchedule"],
  );
  assert.equal(created.metadata.generateName, "agent-");
  assert.equal(created.metadata.labels?.[REVISION_HASH_LABEL], templateHash(d));
  assert.equal(created.metadata.labels?.["pod-template-generation"], "2");
  assert.equal(created.metadata.ownerReferences?.[0].uid, "ds-uid");
  assert.deepEqual(plan.status, { currentNumberScheduled: 0, desiredNumberScheduled: 2, numberMisscheduled: 0, numberReady: 0, observedGeneration: 2, numberUnavailable: 2 });
});

test("pods on ineligible or vanished nodes go, duplicates go (oldest stays), and the counts follow", () => {
  const d = ds({ nodeSelector: { role: "worker" } });
  const keep = pod(d, "n1", { created: "2024-05-01T10:00:00Z" });
  const dup = pod(d, "n1", { created: "2024-05-01T10:05:00Z" });
  const wrong = pod(d, "m1");
  const orphaned = pod(d, "gone", { bound: false });
  const plan = planDaemonSet({ ds: d, nodes: [node("n1", { role: "worker" }), node("n2", { role: "worker" }), node("m1")], pods: [keep, dup, wrong, orphaned], now: NOW });
  assert.deepEqual(
    plan.delete.map((x) => [x.pod.metadata.name, x.why]).sort(),
    [[dup.metadata.name, "duplicate"], [orphaned.metadata.name, "node-gone"], [wrong.metadata.name, "not-eligible"]].sort(),
  );
  assert.deepEqual(plan.create.map((c) => c.nodeName), ["n2"]);
  assert.equal(plan.status.desiredNumberScheduled, 2);
  assert.equal(plan.status.currentNumberScheduled, 1);
  assert.equal(plan.status.numberMisscheduled, 1);
  assert.equal(plan.status.numberReady, 1);
  assert.equal(plan.status.numberAvailable, 1);
  assert.equal(plan.status.updatedNumberScheduled, 1);
  assert.equal(plan.status.numberUnavailable, 1);
});

test("a terminating pod holds its node until it is gone; a NoExecute taint evicts the daemon pod", () => {
  const d = ds();
  const terminating = pod(d, "n1", { deleting: true });
  assert.deepEqual(planDaemonSet({ ds: d, nodes: [node("n1")], pods: [terminating], now: NOW }).create, []);
  const tainted = planDaemonSet({ ds: d, nodes: [node("n1", {}, [{ key: "maintenance", effect: "NoExecute" }])], pods: [pod(d, "n1")], now: NOW });
  assert.deepEqual(tainted.delete.map((x) => x.why), ["not-eligible"]);
});

test("failed pods are deleted with a per-node back-off", () => {
  const d = ds();
  const backoff = new FailedPodBackoff(1000, 8000);
  const failed = pod(d, "n1", { phase: "Failed", ready: false });
  const first = planDaemonSet({ ds: d, nodes: [node("n1")], pods: [failed], now: NOW, backoff });
  assert.deepEqual(first.delete.map((x) => x.why), ["failed"]);
  const again = planDaemonSet({ ds: d, nodes: [node("n1")], pods: [pod(d, "n1", { phase: "Failed", ready: false })], now: new Date(NOW.getTime() + 500), backoff });
  assert.deepEqual(again.delete, []);
  assert.deepEqual(again.backedOff, ["n1"]);
  assert.equal(again.requeueAfterMs, 500);
  const later = planDaemonSet({ ds: d, nodes: [node("n1")], pods: [pod(d, "n1", { phase: "Failed", ready: false })], now: new Date(NOW.getTime() + 1000), backoff });
  assert.deepEqual(later.delete.map((x) => x.why), ["failed"]);
  assert.equal(backoff.remaining("ds-uid/n1", new Date(NOW.getTime() + 1000)), 2000, "the delay doubles");
});

test("rolling update without surge replaces at most maxUnavailable available pods at a time", () => {
  const d = ds({}, { updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 2, maxSurge: 0 } } });
  const nodes = ["n1", "n2", "n3", "n4", "n5"].map((n) => node(n));
  const old = nodes.map((n) => pod(d, n.metadata.name!, { hash: "old" }));
  const plan = planDaemonSet({ ds: d, nodes, pods: old, now: NOW });
  assert.deepEqual(plan.delete.map((x) => [x.pod.spec?.nodeName, x.why]), [["n1", "update"], ["n2", "update"]]);
  assert.equal(plan.status.updatedNumberScheduled, undefined);

  // n1 updated but not ready yet, n2 empty (its replacement not created yet): budget spent.
  const midway = [pod(d, "n1", { ready: false }), ...old.slice(2)];
  const busy = planDaemonSet({ ds: d, nodes, pods: midway, now: NOW });
  assert.deepEqual(busy.delete, []);
  assert.deepEqual(busy.create.map((c) => c.nodeName), ["n2"]);
  // An old pod that is not available anyway is replaced without using the budget.
  const broken = [pod(d, "n1", { ready: false }), pod(d, "n2", { ready: false }), pod(d, "n3", { hash: "old", ready: false }), ...old.slice(3)];
  assert.deepEqual(planDaemonSet({ ds: d, nodes, pods: broken, now: NOW }).delete.map((x) => x.pod.spec?.nodeName), ["n3"]);
  // Percentages round up.
  const pct = ds({}, { updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "30%", maxSurge: 0 } } });
  assert.equal(planDaemonSet({ ds: pct, nodes, pods: nodes.map((n) => pod(pct, n.metadata.name!, { hash: "old" })), now: NOW }).delete.length, 2);
  // OnDelete leaves old pods alone.
  const onDelete = ds({}, { updateStrategy: { type: "OnDelete" } });
  assert.deepEqual(planDaemonSet({ ds: onDelete, nodes, pods: nodes.map((n) => pod(onDelete, n.metadata.name!, { hash: "old" })), now: NOW }).delete, []);
});

test("rolling update with surge starts the new pod first and removes the old one once it is available", () => {
  const d = ds({}, { minReadySeconds: 10, updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
  const nodes = [node("n1"), node("n2")];
  const old = nodes.map((n) => pod(d, n.metadata.name!, { hash: "old" }));
  const first = planDaemonSet({ ds: d, nodes, pods: old, now: NOW });
  assert.deepEqual(first.create.map((c) => c.nodeName), ["n1"]);
  assert.deepEqual(first.delete, []);

  const fresh = { ...pod(d, "n1", { created: "2024-05-01T11:59:58Z" }) };
  fresh.status = { phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2024-05-01T11:59:55Z" }] };
  const waiting = planDaemonSet({ ds: d, nodes, pods: [...old, fresh], now: NOW });
  assert.deepEqual(waiting.delete, [], "ready for 5 s of the 10 s minReadySeconds");
  assert.deepEqual(waiting.create, [], "the surge budget is in use");
  assert.equal(waiting.requeueAfterMs, 5001);
  const later = planDaemonSet({ ds: d, nodes, pods: [...old, fresh], now: new Date(NOW.getTime() + 6000) });
  assert.deepEqual(later.delete.map((x) => x.pod.metadata.name), [old[0].metadata.name]);
  assert.deepEqual(later.create.map((c) => c.nodeName), ["n2"]);
});
