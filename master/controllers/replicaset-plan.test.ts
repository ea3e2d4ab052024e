import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../../api/object";
import { claimPods, planReplicas, rankForDeletion, replicaSetStatus, slowStartBatches } from "./replicaset-plan";

const NOW = new Date("2024-05-01T10:00:00Z");
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

const rs = (replicas: number, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  metadata: { name: "web", namespace: "default", uid: "rs-uid", generation: 3 },
  spec: { replicas, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web", tier: "fe" } }, spec: {} }, ...extra },
});

interface PodOpts {
  node?: string;
  phase?: string;
  readySince?: number;
  created?: number;
  restarts?: number;
  labels?: Record<string, string>;
}

const pod = (name: string, o: PodOpts = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name,
    namespace: "default",
    uid: `${name}-uid`,
    creationTimestamp: o.created === undefined ? undefined : ago(o.created),
    labels: o.labels ?? { app: "web", tier: "fe" },
    ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: "rs-uid", controller: true, blockOwnerDeletion: true }],
  },
  spec: o.node ? { nodeName: o.node } : {},
  status: {
    phase: o.phase ?? "Running",
    conditions: o.readySince === undefined ? [{ type: "Ready", status: "False" }] : [{ type: "Ready", status: "True", lastTransitionTime: ago(o.readySince) }],
    containerStatuses: [{ restartCount: o.restarts ?? 0 }],
  },
});

const names = (pods: KubeObject[]) => pods.map((p) => p.metadata.name);

test("scale down deletes unscheduled, then pending, then not-ready, then crowded, then newest-ready pods first", () => {
  const pods = [
    pod("old-ready", { node: "n5", readySince: 300, created: 400 }),
    pod("new-ready", { node: "n2", readySince: 10, created: 20 }),
    pod("not-ready", { node: "n1", created: 500 }),
    pod("pending", { node: "n3", phase: "Pending", created: 600 }),
    pod("unscheduled", { phase: "Pending", created: 700 }),
    pod("crowded", { node: "n4", readySince: 300, created: 400 }),
  ];
  // Three related pods (e.g. of the Deployment's other ReplicaSet) share n4 with "crowded".
  const related = [...pods, pod("sib1", { node: "n4", readySince: 1 }), pod("sib2", { node: "n4", readySince: 1 })];
  assert.deepEqual(names(rankForDeletion(pods, related)), ["unscheduled", "pending", "not-ready", "crowded", "new-ready", "old-ready"]);
  const restarted = [pod("calm", { node: "a", readySince: 50, created: 60 }), pod("flappy", { node: "b", readySince: 50, created: 60, restarts: 4 })];
  assert.deepEqual(names(rankForDeletion(restarted)), ["flappy", "calm"]);
  const ages = [pod("older", { node: "a", created: 100 }), pod("newer", { node: "b", created: 10 }), pod("b-tie", { node: "c", created: 10 })];
  assert.deepEqual(names(rankForDeletion(ages)), ["b-tie", "newer", "older"]);
});

test("planReplicas creates the shortfall and deletes the best candidates of a surplus, capped by the burst", () => {
  const owned = [pod("a", { node: "n1", readySince: 100 }), pod("b"), pod("c", { node: "n1", readySince: 100 })];
  assert.deepEqual(planReplicas(rs(5), owned), { create: 2, delete: [] });
  assert.deepEqual(planReplicas(rs(3), owned), { create: 0, delete: [] });
  assert.deepEqual(names(planReplicas(rs(1), owned).delete), ["b", "a"]);
  assert.equal(planReplicas(rs(1000), owned, owned, 500).create, 500);
});

test("slow start doubles batches: one failure stops after the first small batch", () => {
  assert.deepEqual(slowStartBatches(0), []);
  assert.deepEqual(slowStartBatches(1), [1]);
  assert.deepEqual(slowStartBatches(10), [1, 2, 4, 3]);
  assert.deepEqual(slowStartBatches(16), [1, 2, 4, 8, 1]);
});

test("claims: orphans matching the selector are adopted, owned pods that stopped matching are released", () => {
  const mine = pod("mine");
  const orphan = { ...pod("orphan"), metadata: { ...pod("orphan").metadata, ownerReferences: undefined } };
  const relabeled = pod("relabeled", { labels: { app: "other" } });
  const plan = claimPods(rs(3), [mine, orphan, relabeled]);
  assert.deepEqual([names(plan.owned), names(plan.adopt), names(plan.release)], [["mine"], ["orphan"], ["relabeled"]]);
  // A selector that is empty selects nothing, whatever the pods.
  const empty = claimPods(rs(3, { selector: {} }), [mine, orphan]);
  assert.deepEqual([empty.owned.length, empty.adopt.length], [0, 0]);
});

test("status counts replicas, fully labeled, ready and available (minReadySeconds) pods; ReplicaFailure comes and goes", () => {
  const owned = [pod("a", { readySince: 30 }), pod("b", { readySince: 5 }), pod("c"), pod("d", { labels: { app: "web" }, readySince: 60 })];
  const status = replicaSetStatus(rs(4, { minReadySeconds: 10 }), owned, NOW);
  assert.deepEqual(status, { replicas: 4, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 2, observedGeneration: 3 });
  const failed = replicaSetStatus(rs(4), [], NOW, { reason: "FailedCreate", message: "pods is forbidden: quota" });
  assert.deepEqual(failed, {
    replicas: 0,
    observedGeneration: 3,
    conditions: [{ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: "pods is forbidden: quota", lastTransitionTime: "2024-05-01T10:00:00Z" }],
  });
  // The failure stays as first recorded while it lasts, and disappears after a clean sync.
  const again = replicaSetStatus({ ...rs(4), status: failed }, [], new Date(NOW.getTime() + 60_000), { reason: "FailedCreate", message: "other" });
  assert.deepEqual(again.conditions, failed.conditions);
  assert.equal(replicaSetStatus({ ...rs(4), status: failed }, [], NOW).conditions, undefined);
});
