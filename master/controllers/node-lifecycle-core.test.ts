import { test } from "node:test";
import assert from "node:assert/strict";
import type { Taint, Toleration } from "kubernetes-types/core/v1";
import type { PodObject } from "./controller-utils";
import { HeartbeatTracker, applyTaintUpdate, planNodeLifecycle, zoneState, type LeaseObject, type NodeLifecyclePlan, type NodeObject } from "./node-lifecycle-core";

const T0 = new Date("2024-05-01T12:00:00Z");
const after = (s: number) => new Date(T0.getTime() + s * 1000);
const TIMINGS = { gracePeriodMs: 40_000, startupGracePeriodMs: 60_000, unhealthyZoneThreshold: 0.55 };

function node(name: string, ready: "True" | "False" | "Unknown" | undefined, heartbeat = "2024-05-01T11:59:50Z", taints: Taint[] = [], labels: Record<string, string> = {}): NodeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, uid: `uid-${name}`, labels, creationTimestamp: "2024-05-01T11:00:00Z" },
    spec: { taints },
    status: {
      conditions: ready
        ? [
            { type: "Ready", status: ready, reason: "KubeletReady", message: "ok", lastHeartbeatTime: heartbeat, lastTransitionTime: "2024-05-01T11:00:00Z" },
            { type: "MemoryPressure", status: "False", lastHeartbeatTime: heartbeat, lastTransitionTime: "2024-05-01T11:00:00Z" },
          ]
        : [],
    },
  } as NodeObject;
}

function lease(name: string, renewTime: string): LeaseObject {
  return { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace: "kube-node-lease" }, spec: { holderIdentity: name, renewTime } } as LeaseObject;
}

function pod(name: string, nodeName: string, tolerations: Toleration[] = [], ready = true): PodObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: `uid-${name}` },
    spec: { nodeName, containers: [], tolerations },
    status: { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  } as PodObject;
}

const DEFAULT_TOLERATIONS: Toleration[] = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
];

function run(tracker: HeartbeatTracker, nodes: NodeObject[], now: Date, pods: PodObject[] = [], leases: LeaseObject[] = []): NodeLifecyclePlan {
  return planNodeLifecycle({ nodes, leases: new Map(leases.map((l) => [l.metadata.name!, l])), pods, tracker, now, timings: TIMINGS });
}

const taintsOf = (plan: NodeLifecyclePlan, name: string) => {
  const u = plan.taintUpdates.find((x) => x.node === name);
  return u ? applyTaintUpdate([], u).map((t) => `${t.key}:${t.effect}`) : [];
};

test("a node is Unknown only after the grace period without a heartbeat, counted from when the controller saw one", () => {
  const tracker = new HeartbeatTracker();
  const nodes = [node("a", "True"), node("b", "True"), node("c", "True")];
  const first = run(tracker, nodes, T0);
  assert.deepEqual(first.conditionUpdates, []);
  assert.equal(first.requeueAfterMs, 40_001, "look again when the grace runs out");
  assert.deepEqual(run(tracker, nodes, after(40)).conditionUpdates, [], "40 s is still within the grace");

  // b and c keep posting heartbeats; a does not.
  const fresh = (n: string) => node(n, "True", "2024-05-01T12:00:35Z");
  const lost = run(tracker, [nodes[0], fresh("b"), fresh("c")], after(41));
  assert.deepEqual(lost.conditionUpdates.map((u) => u.node), ["a"]);
  const conds = lost.conditionUpdates[0].conditions;
  assert.deepEqual(conds.map((c) => [c.type, c.status, c.reason]), [
    ["Ready", "Unknown", "NodeStatusUnknown"],
    ["MemoryPressure", "Unknown", "NodeStatusUnknown"],
    ["DiskPressure", "Unknown", "NodeStatusNeverUpdated"],
    ["PIDPressure", "Unknown", "NodeStatusNeverUpdated"],
  ]);
  assert.equal(conds[0].message, "Kubelet stopped posting node status.");
  assert.equal(conds[0].lastHeartbeatTime, "2024-05-01T11:59:50Z", "the last heartbeat stays on record");
  assert.equal(conds[0].lastTransitionTime, "2024-05-01T12:00:41Z");
  assert.equal(lost.conditionUpdates[0].expectHeartbeat, "2024-05-01T11:59:50Z");
  assert.deepEqual(lost.events.map((e) => [e.object.metadata.name, e.event.reason, e.event.message]), [["a", "NodeNotReady", "Node a status is now: NodeNotReady"]]);
  assert.deepEqual(taintsOf(lost, "a"), ["node.kubernetes.io/unreachable:NoSchedule", "node.kubernetes.io/unreachable:NoExecute"]);
});

test("a lease renewal is a heartbeat too: the fresher of the two counts", () => {
  const tracker = new HeartbeatTracker();
  const n = [node("a", "True"), node("b", "True"), node("c", "True")];
  run(tracker, n, T0, [], [lease("a", "2024-05-01T12:00:00.000000Z")]);
  // Only the lease moves.
  run(tracker, n, after(30), [], [lease("a", "2024-05-01T12:00:30.000000Z")]);
  const plan = run(tracker, n, after(60), [], [lease("a", "2024-05-01T12:00:30.000000Z")]);
  assert.deepEqual(plan.conditionUpdates.map((u) => u.node).sort(), ["b", "c"]);
  assert.equal(plan.mode, "Normal");
});

test("a node that never reported gets the startup grace; the agent's own Ready=False taints not-ready", () => {
  const tracker = new HeartbeatTracker();
  const ok = [node("b", "True"), node("c", "True")];
  run(tracker, [node("new", undefined), ...ok], T0);
  const beat = (n: string, s: number) => node(n, "True", after(s).toISOString());
  assert.deepEqual(run(tracker, [node("new", undefined), beat("b", 50), beat("c", 50)], after(50)).conditionUpdates, []);
  const late = run(tracker, [node("new", undefined), beat("b", 61), beat("c", 61)], after(61));
  assert.deepEqual(late.conditionUpdates.map((u) => [u.node, u.conditions[0].reason, u.conditions[0].message]), [["new", "NodeStatusNeverUpdated", "Kubelet never posted node status."]]);
  assert.deepEqual(late.events, [], "no NodeNotReady for a node that was never Ready");

  const sick = run(new HeartbeatTracker(), [node("sick", "False"), ...ok], T0);
  assert.deepEqual(sick.conditionUpdates, []);
  assert.deepEqual(taintsOf(sick, "sick"), ["node.kubernetes.io/not-ready:NoSchedule", "node.kubernetes.io/not-ready:NoExecute"]);
});

test("taints follow recovery: a Ready node loses the unreachable taints, keeps the ones it did not get from us", () => {
  const taints: Taint[] = [
    { key: "node.kubernetes.io/unreachable", effect: "NoSchedule" },
    { key: "node.kubernetes.io/unreachable", effect: "NoExecute", timeAdded: "2024-05-01T11:59:00Z" },
    { key: "dedicated", value: "db", effect: "NoSchedule" },
  ];
  const plan = run(new HeartbeatTracker(), [node("a", "True", undefined, taints), node("b", "True")], T0);
  const u = plan.taintUpdates.find((x) => x.node === "a")!;
  assert.deepEqual(applyTaintUpdate(taints, u), [{ key: "dedicated", value: "db", effect: "NoSchedule" }]);
  const cordoned = { ...node("c", "True"), spec: { unschedulable: true } } as NodeObject;
  assert.deepEqual(taintsOf(run(new HeartbeatTracker(), [cordoned], T0), "c"), ["node.kubernetes.io/unschedulable:NoSchedule"]);
});

test("NoExecute eviction: at once without a toleration, else when the shortest toleration runs out", () => {
  const since = "2024-05-01T11:59:00Z"; // the taint was added 60 s before T0
  const tainted = node("a", "Unknown", undefined, [
    { key: "node.kubernetes.io/unreachable", effect: "NoSchedule" },
    { key: "node.kubernetes.io/unreachable", effect: "NoExecute", timeAdded: since },
  ]);
  const healthy = [node("b", "True"), node("c", "True")];
  const pods = [
    pod("bare", "a"),
    pod("short", "a", [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 }]),
    pod("default", "a", DEFAULT_TOLERATIONS),
    pod("forever", "a", [{ operator: "Exists" }]),
    pod("elsewhere", "b"),
  ];
  const plan = run(new HeartbeatTracker(), [tainted, ...healthy], T0, pods);
  assert.deepEqual(plan.evict.map((e) => e.pod.metadata.name), ["bare", "short"]);
  assert.equal(plan.evict[0].message, "Marking for deletion Pod default/bare");
  assert.deepEqual(run(new HeartbeatTracker(), [tainted, ...healthy], after(239), pods.slice(2)).evict, [], "the default pod stays 300 s after the taint");
  assert.deepEqual(plan.markNotReady.map((p) => p.metadata.name), ["bare", "short", "default", "forever"], "pods on an unreachable node are not ready");
  const later = run(new HeartbeatTracker(), [tainted, ...healthy], after(240), pods.slice(2));
  assert.deepEqual(later.evict.map((e) => e.pod.metadata.name), ["default"]);
});

test("a taint the pass adds starts the toleration clock now", () => {
  const tracker = new HeartbeatTracker();
  const nodes = [node("a", "True"), node("b", "True"), node("c", "True")];
  const pods = [pod("p", "a", [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 5 }])];
  run(tracker, nodes, T0, pods);
  const beat = (n: string) => node(n, "True", after(40).toISOString());
  const lost = run(tracker, [nodes[0], beat("b"), beat("c")], after(41), pods);
  assert.deepEqual(lost.evict, []);
  assert.equal(lost.requeueAfterMs, 5_000);
  const noExecute = lost.taintUpdates[0].add.find((t) => t.effect === "NoExecute")!;
  assert.equal(noExecute.timeAdded, "2024-05-01T12:00:41Z");
});

test("zones: all lost is a full disruption, 55% of three or more a partial one", () => {
  assert.equal(zoneState(["True", "True"]), "Normal");
  assert.equal(zoneState(["Unknown", "Unknown"]), "FullDisruption");
  assert.equal(zoneState(["Unknown", "Unknown", "True"]), "Normal", "two lost is never a disruption");
  assert.equal(zoneState(["Unknown", "Unknown", "False", "True"]), "PartialDisruption");
  assert.equal(zoneState(["Unknown", "Unknown", "False", "True", "True", "True"]), "Normal", "3 of 6 is under 55%");
  assert.equal(zoneState([]), "Normal");
});

test("when every node is lost at once, nothing is evicted and NoExecute taints are lifted", () => {
  const tracker = new HeartbeatTracker();
  const nodes = [node("a", "True"), node("b", "True", undefined, [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute", timeAdded: "2024-05-01T11:00:00Z" }])];
  const pods = [pod("p", "a"), pod("q", "b", DEFAULT_TOLERATIONS)];
  run(tracker, nodes, T0, pods);
  const plan = run(tracker, nodes, after(41), pods);
  assert.equal(plan.mode, "FullDisruption");
  assert.deepEqual(plan.conditionUpdates.map((u) => u.node), ["a", "b"], "the status still says Unknown");
  assert.deepEqual(plan.evict, []);
  assert.deepEqual(taintsOf(plan, "a"), ["node.kubernetes.io/unreachable:NoSchedule"]);
  const b = plan.taintUpdates.find((u) => u.node === "b")!;
  assert.deepEqual(b.remove.map((t) => `${t.key}:${t.effect}`), ["node.kubernetes.io/unreachable:NoExecute"]);
  // A single-node cluster losing its node is the same case.
  const single = new HeartbeatTracker();
  run(single, [node("solo", "True")], T0, [pod("s", "solo")]);
  const solo = run(single, [node("solo", "True")], after(41), [pod("s", "solo")]);
  assert.equal(solo.mode, "FullDisruption");
  assert.deepEqual(solo.evict, []);
});

test("partial disruption adds no new NoExecute taints; zones are judged apart", () => {
  const tracker = new HeartbeatTracker();
  const names = ["a", "b", "c", "d"];
  const nodes = names.map((n) => node(n, "True"));
  run(tracker, nodes, T0);
  const beat = node("d", "True", after(40).toISOString());
  const plan = run(tracker, [...nodes.slice(0, 3), beat], after(41), [pod("p", "a")]);
  assert.equal(plan.mode, "PartialDisruption");
  assert.deepEqual(taintsOf(plan, "a"), ["node.kubernetes.io/unreachable:NoSchedule"]);
  assert.deepEqual(plan.evict, [], "without the NoExecute taint nothing is evicted");

  // Zone z1 entirely lost while z2 is fine: an outage of that zone, handled normally.
  const zoned = new HeartbeatTracker();
  const z = [node("x1", "True", undefined, [], { "topology.kubernetes.io/zone": "z1" }), node("y1", "True", undefined, [], { "topology.kubernetes.io/zone": "z2" })];
  run(zoned, z, T0);
  const y1 = node("y1", "True", after(40).toISOString(), [], { "topology.kubernetes.io/zone": "z2" });
  const zp = run(zoned, [z[0], y1], after(41), [pod("p", "x1")]);
  assert.equal(zp.zones.get("z1"), "FullDisruption");
  assert.equal(zp.mode, "PartialDisruption");
  assert.deepEqual(taintsOf(zp, "x1"), ["node.kubernetes.io/unreachable:NoSchedule", "node.kubernetes.io/unreachable:NoExecute"]);
  assert.deepEqual(zp.evict.map((e) => e.pod.metadata.name), ["p"]);
});

test("a healthy cluster plans nothing; a NoExecute taint of someone else's still evicts, and only on its node", () => {
  const tracker = new HeartbeatTracker();
  const nodes = Array.from({ length: 2000 }, (_, i) => node(`n${i}`, "True", undefined, [], { "topology.kubernetes.io/zone": `z${i % 3}` }));
  const pods = Array.from({ length: 4000 }, (_, i) => pod(`p${i}`, `n${i % 2000}`));
  const plan = run(tracker, nodes, T0, pods);
  assert.equal(plan.mode, "Normal");
  assert.deepEqual([plan.conditionUpdates, plan.taintUpdates, plan.markNotReady, plan.evict], [[], [], [], []]);
  assert.deepEqual([...plan.zones.values()], ["Normal", "Normal", "Normal"]);

  nodes[7] = node("n7", "True", undefined, [{ key: "example.com/drain", effect: "NoExecute" }]);
  const tolerant = pod("tolerant", "n7", [{ key: "example.com/drain", operator: "Exists", effect: "NoExecute" }]);
  const drained = run(tracker, nodes, after(1), [...pods, tolerant]);
  assert.deepEqual(drained.taintUpdates, [], "not a taint this controller manages");
  assert.deepEqual(drained.evict.map((e) => e.pod.metadata.name), ["p7", "p2007"]);
});
