// The Deployment controller's decisions, step by step, with no etcd and no clock: each test
// builds the cached objects, asks planDeployment what to do, and checks the plan.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { DeploymentStatus } from "kubernetes-types/apps/v1";
import { computePodTemplateHash } from "./controller-utils";
import { maxSurge, maxUnavailable, resolveFenceposts, scaledValue } from "./deployment-fenceposts";
import { appendRevisionHistory, replicaSetsToCleanUp } from "./deployment-history";
import type { DeploymentObject, DeploymentPlan, ReplicaSetObject } from "./deployment-model";
import { planDeployment } from "./deployment-sync";

const NOW = new Date("2024-05-01T10:00:00Z");
const T0 = "2024-05-01T09:00:00Z";

function template(image: string) {
  return { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image }] } };
}

function deployment(o: { replicas?: number; image?: string; surge?: number | string; unavailable?: number | string; type?: string; generation?: number; status?: DeploymentStatus; paused?: boolean; annotations?: Record<string, string>; history?: number; minReady?: number } = {}): DeploymentObject {
  const type = o.type ?? "RollingUpdate";
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", uid: "d-uid", generation: o.generation ?? 1, annotations: o.annotations, resourceVersion: "10" },
    spec: {
      replicas: o.replicas ?? 3,
      selector: { matchLabels: { app: "web" } },
      template: template(o.image ?? "nginx:1"),
      strategy: type === "Recreate" ? { type } : { type: "RollingUpdate", rollingUpdate: { maxSurge: o.surge ?? "25%", maxUnavailable: o.unavailable ?? "25%" } },
      revisionHistoryLimit: o.history ?? 10,
      progressDeadlineSeconds: 600,
      paused: o.paused,
      minReadySeconds: o.minReady,
    },
    status: o.status ?? {},
  };
}

let seq = 0;
function replicaSet(image: string, replicas: number, o: { available?: number; actual?: number; revision?: number; created?: string; desired?: number; max?: number; generation?: number; observed?: number } = {}): ReplicaSetObject {
  const hash = computePodTemplateHash(template(image));
  const annotations: Record<string, string> = { "deployment.kubernetes.io/revision": String(o.revision ?? 1) };
  if (o.desired !== undefined) annotations["deployment.kubernetes.io/desired-replicas"] = String(o.desired);
  if (o.max !== undefined) annotations["deployment.kubernetes.io/max-replicas"] = String(o.max);
  const tpl = template(image);
  tpl.metadata.labels = { ...tpl.metadata.labels, "pod-template-hash": hash } as { app: string };
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `web-${hash}`,
      namespace: "default",
      uid: `rs-${++seq}`,
      resourceVersion: "5",
      generation: o.generation ?? 1,
      creationTimestamp: o.created ?? T0,
      annotations,
      labels: { app: "web", "pod-template-hash": hash },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "d-uid", controller: true, blockOwnerDeletion: true }],
    },
    spec: { replicas, selector: { matchLabels: { app: "web", "pod-template-hash": hash } }, template: tpl },
    status: { replicas: o.actual ?? replicas, readyReplicas: o.available ?? 0, availableReplicas: o.available ?? 0, observedGeneration: o.observed ?? o.generation ?? 1 },
  };
}

const plan = (d: DeploymentObject, rss: ReplicaSetObject[], now = NOW): DeploymentPlan => planDeployment({ deployment: d, replicaSets: rss, podsByReplicaSet: new Map(), now });
const sizes = (p: DeploymentPlan) => Object.fromEntries(p.updates.map((u) => [u.replicaSet.metadata.name!.endsWith(computePodTemplateHash(template("nginx:1"))) ? "v1" : "other", u.replicaSet.spec!.replicas]));
const cond = (s: DeploymentStatus | undefined, type: string) => s?.conditions?.find((c) => c.type === type);

describe("fenceposts", () => {
  test("percentages: surge rounds up, unavailable rounds down; both 0 means 1 unavailable", () => {
    assert.equal(scaledValue("25%", 5, true), 2);
    assert.equal(scaledValue("25%", 5, false), 1);
    assert.equal(scaledValue(3, 5, true), 3);
    assert.deepEqual(resolveFenceposts("25%", "25%", 10), { surge: 3, unavailable: 2 });
    assert.deepEqual(resolveFenceposts(0, "10%", 5), { surge: 0, unavailable: 1 });
    assert.deepEqual(resolveFenceposts("0%", 0, 5), { surge: 0, unavailable: 1 });
    assert.equal(maxSurge(deployment({ replicas: 5 })), 2);
    assert.equal(maxUnavailable(deployment({ replicas: 5 })), 1);
    assert.equal(maxUnavailable(deployment({ replicas: 2, unavailable: 5 })), 2);
    assert.equal(maxSurge(deployment({ type: "Recreate" })), 0);
    assert.equal(maxUnavailable(deployment({ replicas: 0 })), 0);
  });
});

describe("a new Deployment", () => {
  test("creates its first ReplicaSet at full size with revision 1, hash label and annotations", () => {
    const p = plan(deployment({ replicas: 3, annotations: { "kubernetes.io/change-cause": "first", "kubectl.kubernetes.io/last-applied-configuration": "{}" } }), []);
    const rs = p.create!.replicaSet;
    const hash = computePodTemplateHash(template("nginx:1"));
    assert.equal(rs.metadata.name, `web-${hash}`);
    assert.equal(rs.spec!.replicas, 3);
    assert.deepEqual(rs.spec!.selector, { matchLabels: { app: "web", "pod-template-hash": hash } });
    assert.deepEqual(rs.spec!.template!.metadata!.labels, { app: "web", "pod-template-hash": hash });
    assert.deepEqual(rs.metadata.annotations, {
      "kubernetes.io/change-cause": "first",
      "deployment.kubernetes.io/revision": "1",
      "deployment.kubernetes.io/desired-replicas": "3",
      "deployment.kubernetes.io/max-replicas": "4",
    });
    assert.deepEqual(rs.metadata.ownerReferences, [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "d-uid", controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(p.create!.events, [{ type: "Normal", reason: "ScalingReplicaSet", message: `Scaled up replica set web-${hash} from 0 to 3` }]);
    assert.equal(p.revision, "1");
    assert.equal(cond(p.status, "Progressing")?.reason, "NewReplicaSetCreated");
    assert.equal(cond(p.status, "Progressing")?.message, `Created new replica set "web-${hash}"`);
    assert.equal(cond(p.status, "Available")?.reason, "MinimumReplicasUnavailable");
    assert.equal(p.status!.observedGeneration, 1);
    assert.equal(p.status!.unavailableReplicas, 3);
  });

  test("a collision count changes the new ReplicaSet's name", () => {
    const p = plan(deployment({ status: { collisionCount: 1 } }), []);
    assert.equal(p.create!.replicaSet.metadata.name, `web-${computePodTemplateHash(template("nginx:1"), 1)}`);
  });

  test("once all replicas are available the rollout is complete", () => {
    const rs = replicaSet("nginx:1", 3, { available: 3, desired: 3, max: 4 });
    const p = plan(deployment(), [rs]);
    assert.equal(p.create, undefined);
    assert.deepEqual(p.updates, []);
    const at = "2024-05-01T10:00:00Z";
    assert.deepEqual(p.status, {
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      conditions: [
        { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability.", lastUpdateTime: at, lastTransitionTime: at },
        { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", message: `ReplicaSet "${rs.metadata.name}" has successfully progressed.`, lastUpdateTime: at, lastTransitionTime: at },
      ],
    });
    assert.equal(p.revision, "1");
  });
});

describe("rolling update", () => {
  const d2 = (o: Parameters<typeof deployment>[0] = {}) => deployment({ replicas: 5, image: "nginx:2", generation: 2, ...o });

  test("the first step surges the new ReplicaSet and scales the old one down by maxUnavailable", () => {
    const old = replicaSet("nginx:1", 5, { available: 5, desired: 5, max: 7 });
    const p = plan(d2(), [old]);
    // surge: 25% of 5 rounds up to 2, so 7 pods at most: the new one gets 2.
    assert.equal(p.create!.replicaSet.spec!.replicas, 2);
    assert.equal(p.create!.replicaSet.metadata.annotations!["deployment.kubernetes.io/revision"], "2");
    // unavailable: 25% of 5 rounds down to 1, so 4 must stay available: one old pod may go.
    assert.deepEqual(sizes(p), { v1: 4 });
    assert.equal(p.updates[0].events[0].message, `Scaled down replica set ${old.metadata.name} from 5 to 4`);
    assert.equal(p.revision, "2");
  });

  test("old pods go only as new ones become available; totals stay within the fenceposts at every step", () => {
    // Simulate the rollout: each round, apply the plan and let `ready` new pods become available.
    let old = replicaSet("nginx:1", 5, { available: 5, desired: 5, max: 7 });
    let next: ReplicaSetObject | undefined;
    const d = d2();
    for (let round = 0; round < 20; round++) {
      const rss = next ? [old, next] : [old];
      const p = plan(d, rss);
      if (p.create) next = { ...p.create.replicaSet, metadata: { ...p.create.replicaSet.metadata, uid: "new", creationTimestamp: "2024-05-01T09:30:00Z" }, status: { replicas: 0 } };
      for (const u of p.updates) {
        if (u.replicaSet.metadata.name === old.metadata.name) old = u.replicaSet;
        else next = u.replicaSet;
      }
      const total = old.spec!.replicas! + (next?.spec!.replicas ?? 0);
      assert.ok(total <= 7, `round ${round}: ${total} pods exceed replicas + maxSurge`);
      // The ReplicaSet controller catches up: old pods removed ready-last, new pods become ready.
      old = { ...old, status: { replicas: old.spec!.replicas!, availableReplicas: Math.min(old.status!.availableReplicas ?? 0, old.spec!.replicas!), readyReplicas: Math.min(old.status!.availableReplicas ?? 0, old.spec!.replicas!) } };
      if (next) next = { ...next, status: { replicas: next.spec!.replicas!, availableReplicas: next.spec!.replicas, readyReplicas: next.spec!.replicas } };
      const available = (old.status!.availableReplicas ?? 0) + (next?.status!.availableReplicas ?? 0);
      assert.ok(available >= 4, `round ${round}: only ${available} available`);
      if (old.spec!.replicas === 0 && next?.spec!.replicas === 5) break;
    }
    assert.equal(old.spec!.replicas, 0);
    assert.equal(next!.spec!.replicas, 5);
    const done = plan(d, [old, next!]);
    assert.equal(cond(done.status, "Progressing")?.reason, "NewReplicaSetAvailable");
    assert.equal(done.status!.updatedReplicas, 5);
  });

  test("unhealthy old pods are scaled away first, without touching availability", () => {
    const old = replicaSet("nginx:1", 5, { available: 2, desired: 5, max: 7, revision: 1 });
    const next = replicaSet("nginx:2", 2, { available: 0, desired: 5, max: 7, revision: 2, created: "2024-05-01T09:30:00Z" });
    // 7 pods, 4 must stay available, 2 new unavailable: 7 - 4 - 2 = 1 may go, and it is unhealthy.
    const p = plan(d2(), [old, next]);
    assert.deepEqual(sizes(p), { v1: 4 });
  });

  test("a stale old ReplicaSet status is not trusted beyond its spec (no second scale-down below minimum)", () => {
    // The old one was scaled 5 -> 4 but its status still says 5 available; 1 new pod is available.
    const old = replicaSet("nginx:1", 4, { available: 5, actual: 5, desired: 5, max: 7 });
    const next = replicaSet("nginx:2", 3, { available: 1, desired: 5, max: 7, revision: 2, created: "2024-05-01T09:30:00Z" });
    const p = plan(d2(), [old, next]);
    // Counting at most 4 old + 1 new = 5 available, one more may go (not two).
    assert.deepEqual(sizes(p), { v1: 3 });
  });
});

describe("recreate", () => {
  test("scales old to zero, waits for old pods to end, then creates the new ReplicaSet at full size", () => {
    const d = deployment({ type: "Recreate", image: "nginx:2", generation: 2 });
    const old = replicaSet("nginx:1", 3, { available: 3, desired: 3, max: 3 });
    const first = plan(d, [old]);
    assert.equal(first.create, undefined);
    assert.deepEqual(sizes(first), { v1: 0 });
    const scaled = { ...old, spec: { ...old.spec!, replicas: 0 }, status: { replicas: 0 } };
    const pods = new Map([[old.metadata.uid!, [{ metadata: { name: "p", deletionTimestamp: T0 }, status: { phase: "Running" } }]]]);
    const waiting = planDeployment({ deployment: d, replicaSets: [scaled], podsByReplicaSet: pods, now: NOW });
    assert.equal(waiting.create, undefined);
    const go = plan(d, [scaled]);
    assert.equal(go.create!.replicaSet.spec!.replicas, 3);
  });
});

describe("scaling, pause and history", () => {
  test("scaling a settled Deployment resizes its one active ReplicaSet", () => {
    const rs = replicaSet("nginx:1", 3, { available: 3, desired: 3, max: 4 });
    const p = plan(deployment({ replicas: 5, generation: 2 }), [rs]);
    assert.deepEqual(sizes(p), { v1: 5 });
    assert.equal(p.updates[0].replicaSet.metadata.annotations!["deployment.kubernetes.io/desired-replicas"], "5");
    assert.equal(p.updates[0].replicaSet.metadata.annotations!["deployment.kubernetes.io/max-replicas"], "7");
  });

  test("scaling mid-rollout is proportional, leftovers to the largest ReplicaSet", () => {
    // 10 replicas, surge 3: old 8 + new 5 = 13 = max before; scale to 20 -> max 25 (+12).
    const old = replicaSet("nginx:1", 8, { available: 8, desired: 10, max: 13 });
    const next = replicaSet("nginx:2", 5, { desired: 10, max: 13, revision: 2, created: "2024-05-01T09:30:00Z" });
    const p = plan(deployment({ replicas: 20, image: "nginx:2", generation: 3, status: { replicas: 13 } }), [old, next]);
    const byName = Object.fromEntries(p.updates.map((u) => [u.replicaSet.metadata.name, u.replicaSet.spec!.replicas]));
    assert.equal(byName[old.metadata.name!], 15);
    assert.equal(byName[next.metadata.name!], 10);
  });

  test("a paused Deployment scales but does not roll out, and says it is paused", () => {
    const old = replicaSet("nginx:1", 3, { available: 3, desired: 3, max: 4 });
    const p = plan(deployment({ image: "nginx:2", paused: true, generation: 2 }), [old]);
    assert.equal(p.create, undefined);
    assert.deepEqual(p.updates, []);
    assert.equal(cond(p.status, "Progressing")?.reason, "DeploymentPaused");
    assert.equal(cond(p.status, "Progressing")?.status, "Unknown");
    const resumed = plan(deployment({ image: "nginx:2", generation: 3, status: p.status }), [old]);
    assert.ok(resumed.create);
  });

  test("rollout undo: the old template's ReplicaSet becomes the newest revision", () => {
    const v1 = replicaSet("nginx:1", 0, { revision: 1, desired: 3, max: 4 });
    const v2 = replicaSet("nginx:2", 3, { available: 3, revision: 2, desired: 3, max: 4, created: "2024-05-01T09:30:00Z" });
    const p = plan(deployment({ image: "nginx:1", generation: 3, annotations: { "deployment.kubernetes.io/revision": "2" } }), [v1, v2]);
    assert.equal(p.create, undefined);
    const v1w = p.updates.find((u) => u.replicaSet.metadata.name === v1.metadata.name)!.replicaSet;
    assert.equal(v1w.metadata.annotations!["deployment.kubernetes.io/revision"], "3");
    assert.equal(v1w.metadata.annotations!["deployment.kubernetes.io/revision-history"], "1");
    assert.equal(v1w.spec!.replicas, 1);
    assert.equal(p.revision, "3");
  });

  test("revisionHistoryLimit deletes the oldest fully scaled-down ReplicaSets once the rollout completes", () => {
    const olds = [1, 2, 3].map((r) => replicaSet(`nginx:old${r}`, 0, { revision: r, actual: 0 }));
    olds[0] = { ...olds[0], status: { replicas: 0, observedGeneration: 0 }, metadata: { ...olds[0].metadata, generation: 2 } };
    const current = replicaSet("nginx:1", 3, { available: 3, revision: 4, desired: 3, max: 4 });
    const d = deployment({ history: 1, status: { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 } });
    const p = plan(d, [...olds, current]);
    // Revision 1's controller has not observed its last change: kept for now; revision 2 goes.
    assert.deepEqual(p.deletes.map((r) => r.metadata.annotations!["deployment.kubernetes.io/revision"]), ["2"]);
    assert.deepEqual(replicaSetsToCleanUp(olds, undefined), []);
    assert.equal(appendRevisionHistory("1,2", "3"), "1,2,3");
    assert.equal(appendRevisionHistory("11,22,33", "44", 8), "22,33,44");
    assert.equal(appendRevisionHistory("11,22,33", "44", 7), "33,44");
  });
});

describe("progress deadline", () => {
  test("no movement for progressDeadlineSeconds marks the rollout ProgressDeadlineExceeded", () => {
    // surge 1, unavailable 0: 4 pods at most, 3 available at least. The new pod never gets ready.
    const old = replicaSet("nginx:1", 3, { available: 3, desired: 3, max: 4 });
    const next = replicaSet("nginx:2", 1, { revision: 2, desired: 3, max: 4, created: "2024-05-01T09:30:00Z" });
    const started = "2024-05-01T09:50:00Z";
    const status: DeploymentStatus = {
      observedGeneration: 2,
      replicas: 4,
      updatedReplicas: 1,
      availableReplicas: 3,
      readyReplicas: 3,
      unavailableReplicas: 1,
      conditions: [{ type: "Progressing", status: "True", reason: "ReplicaSetUpdated", message: "x", lastUpdateTime: started, lastTransitionTime: started }],
    };
    const d = deployment({ image: "nginx:2", generation: 2, status, unavailable: 0 });
    const early = plan(d, [old, next], new Date("2024-05-01T09:55:00Z"));
    assert.deepEqual([early.create, early.updates], [undefined, []]);
    assert.deepEqual(cond(early.status ?? status, "Progressing"), status.conditions![0]);
    // Asks to be woken one second after the deadline.
    assert.equal(early.requeueAfterMs, 5 * 60_000 + 1000);
    const late = plan(d, [old, next], new Date("2024-05-01T10:00:01Z"));
    const c = cond(late.status, "Progressing")!;
    assert.deepEqual([c.status, c.reason, c.message], ["False", "ProgressDeadlineExceeded", `ReplicaSet "${next.metadata.name}" has timed out progressing.`]);
  });
});
