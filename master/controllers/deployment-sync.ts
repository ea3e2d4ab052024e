// planDeployment: one Deployment sync as a pure function (Kubernetes' syncDeployment).
//
//   being deleted           -> status only
//   paused, or scaling only -> proportional scaling (+ history cleanup when paused), status
//   Recreate                -> deployment-recreate.ts
//   RollingUpdate           -> deployment-rolling.ts
//
// Every path first finds the new ReplicaSet (the one whose template equals the Deployment's,
// ignoring pod-template-hash) and syncs the revision annotations (deployment-history.ts); the
// rollout paths create it when it does not exist.

import { canonicalJson, computePodTemplateHash, newControllerRef, templatesEqualIgnoringHash, POD_TEMPLATE_HASH_LABEL } from "./controller-utils";
import { isRollingUpdate, maxSurge } from "./deployment-fenceposts";
import { DESIRED_REPLICAS, MAX_REPLICAS, REVISION, maxRevision, replicaSetsToCleanUp, setNewReplicaSetAnnotations } from "./deployment-history";
import {
  DEPLOYMENT_GVK,
  PlanBuilder,
  byCreation,
  isActive,
  replicasOf,
  rsStatus,
  sortByCreation,
  specSum,
  type DeploymentInput,
  type DeploymentObject,
  type DeploymentPlan,
  type ReplicaSetObject,
} from "./deployment-model";
import { PROGRESSING, Reasons, calculateStatus, deploymentComplete, getCondition, hasProgressDeadline, newCondition, rolloutStatus, setCondition } from "./deployment-progress";
import { oldPodsRunning, scaleDownOldForRecreate } from "./deployment-recreate";
import { activeReplicaSets, newReplicaSetReplicas, reconcileNewReplicaSet, reconcileOldReplicaSets } from "./deployment-rolling";

export function planDeployment(input: DeploymentInput): DeploymentPlan {
  const d = input.deployment;
  const b = new PlanBuilder(d, input.now, input.replicaSets);
  let requeueAfterMs: number | undefined;
  const selector = d.spec?.selector;
  if (!selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)) {
    // An empty selector would select every pod; Kubernetes refuses to act on it.
    b.status = { ...b.status, observedGeneration: d.metadata.generation };
  } else if (d.metadata.deletionTimestamp) {
    const { newRS, oldRSs } = findReplicaSets(b, false);
    b.status = calculateStatus(d, [...oldRSs, newRS], newRS, b.status, b.now);
  } else {
    checkPausedConditions(b);
    if (d.spec?.paused || isScalingEvent(b)) syncScaling(b);
    else if (isRollingUpdate(d)) requeueAfterMs = rolloutRolling(b);
    else requeueAfterMs = rolloutRecreate(b, input.podsByReplicaSet);
  }
  const plan: DeploymentPlan = { create: b.create, updates: b.updates(), deletes: b.deletes, requeueAfterMs };
  if (canonicalJson(b.status) !== canonicalJson(d.status ?? {})) plan.status = b.status;
  if (b.revision !== undefined && b.revision !== d.metadata.annotations?.[REVISION]) plan.revision = b.revision;
  return plan;
}

/**
 * The new ReplicaSet (oldest one matching the template) and all others, with the new one's
 * annotations and minReadySeconds brought up to date; creates it (in the plan) when asked.
 */
function findReplicaSets(b: PlanBuilder, create: boolean): { newRS?: ReplicaSetObject; oldRSs: ReplicaSetObject[] } {
  const d = b.d;
  const all = b.replicaSets();
  // A ReplicaSet this plan already decided to create is the new one.
  const planned = b.current(b.create?.replicaSet);
  const existing = planned ?? sortByCreation(all).find((rs) => templatesEqualIgnoringHash(rs.spec?.template, d.spec?.template));
  const oldRSs = all.filter((rs) => rs.metadata.name !== existing?.metadata.name);
  const newRevision = maxRevision(oldRSs) + 1;
  const replicas = { desired: replicasOf(d), max: replicasOf(d) + maxSurge(d) };

  if (existing) {
    let newRS = existing;
    const copy = structuredClone(existing);
    const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true, replicas);
    const minReady = d.spec?.minReadySeconds ?? 0;
    if (annotationsChanged || (copy.spec?.minReadySeconds ?? 0) !== minReady) {
      copy.spec = { ...copy.spec!, minReadySeconds: minReady || undefined };
      if (!minReady) delete copy.spec.minReadySeconds;
      newRS = b.write(copy);
    }
    b.revision = newRS.metadata.annotations?.[REVISION] ?? b.revision;
    if (hasProgressDeadline(d) && !getCondition(b.status, PROGRESSING)) {
      setCondition(b.status, newCondition(PROGRESSING, "True", Reasons.foundNewRS, `Found new replica set "${newRS.metadata.name}"`, b.now));
    }
    return { newRS, oldRSs };
  }
  if (!create) return { oldRSs };

  const hash = computePodTemplateHash(d.spec?.template, b.status.collisionCount);
  const template = structuredClone(d.spec!.template);
  template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash } };
  const selector = structuredClone(d.spec!.selector);
  selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
  const newRS: ReplicaSetObject = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace,
      labels: { ...template.metadata.labels },
      ownerReferences: [newControllerRef(d, DEPLOYMENT_GVK)],
    },
    spec: { replicas: 0, selector, template, ...(d.spec?.minReadySeconds ? { minReadySeconds: d.spec.minReadySeconds } : {}) },
  };
  newRS.spec!.replicas = newReplicaSetReplicas(d, [...oldRSs, newRS], newRS);
  setNewReplicaSetAnnotations(d, newRS, newRevision, false, replicas);
  const count = newRS.spec!.replicas;
  b.planCreate(newRS, count > 0 ? { type: "Normal", reason: "ScalingReplicaSet", message: `Scaled up replica set ${newRS.metadata.name} from 0 to ${count}` } : undefined);
  b.revision = String(newRevision);
  if (hasProgressDeadline(d)) {
    setCondition(b.status, newCondition(PROGRESSING, "True", Reasons.newRSCreated, `Created new replica set "${newRS.metadata.name}"`, b.now));
  }
  return { newRS, oldRSs };
}

function checkPausedConditions(b: PlanBuilder): void {
  if (!hasProgressDeadline(b.d)) return;
  const cond = getCondition(b.status, PROGRESSING);
  if (cond?.reason === Reasons.timedOut) return;
  const pausedShown = cond?.reason === Reasons.paused;
  if (b.d.spec?.paused && !pausedShown) {
    setCondition(b.status, newCondition(PROGRESSING, "Unknown", Reasons.paused, "Deployment is paused", b.now));
  } else if (!b.d.spec?.paused && pausedShown) {
    setCondition(b.status, newCondition(PROGRESSING, "Unknown", Reasons.resumed, "Deployment is resumed", b.now));
  }
}

/** spec.replicas changed since an active ReplicaSet was last sized (its desired-replicas annotation). */
function isScalingEvent(b: PlanBuilder): boolean {
  const { newRS, oldRSs } = findReplicaSets(b, false);
  for (const rs of [...oldRSs, ...(newRS ? [newRS] : [])].filter(isActive)) {
    const desired = rs.metadata.annotations?.[DESIRED_REPLICAS];
    if (desired === undefined || !/^\d+$/.test(desired)) continue;
    if (Number(desired) !== replicasOf(b.d)) return true;
  }
  return false;
}

const current = (b: PlanBuilder, rss: readonly (ReplicaSetObject | undefined)[]) => rss.filter((rs): rs is ReplicaSetObject => !!rs).map((rs) => b.current(rs)!);

/** Paused or scaling: resize proportionally, no rollout (Kubernetes' sync()). */
function syncScaling(b: PlanBuilder): void {
  const { newRS, oldRSs } = findReplicaSets(b, false);
  scale(b, newRS, oldRSs);
  if (b.d.spec?.paused) b.deletes.push(...replicaSetsToCleanUp(current(b, oldRSs), b.d.spec?.revisionHistoryLimit));
  const nowNew = b.current(newRS);
  b.status = calculateStatus(b.d, current(b, [...oldRSs, newRS]), nowNew, b.status, b.now);
}

function rolloutRolling(b: PlanBuilder): number | undefined {
  const found = findReplicaSets(b, true);
  const newRS = found.newRS!;
  const oldRSs = found.oldRSs;
  const all = () => current(b, [...oldRSs, newRS]);
  if (!reconcileNewReplicaSet(b, all(), b.current(newRS)!)) {
    const scaledDown = reconcileOldReplicaSets(b, all(), activeReplicaSets(current(b, oldRSs)), b.current(newRS)!);
    if (!scaledDown && deploymentComplete(b.d, b.status)) b.deletes.push(...replicaSetsToCleanUp(current(b, oldRSs), b.d.spec?.revisionHistoryLimit));
  }
  return syncRolloutStatus(b, all(), b.current(newRS));
}

function rolloutRecreate(b: PlanBuilder, pods: DeploymentInput["podsByReplicaSet"]): number | undefined {
  let { newRS, oldRSs } = findReplicaSets(b, false);
  if (scaleDownOldForRecreate(b, oldRSs) || oldPodsRunning(b.current(newRS), current(b, oldRSs), pods)) {
    return syncRolloutStatus(b, current(b, [...oldRSs, newRS]), b.current(newRS));
  }
  if (!newRS) ({ newRS, oldRSs } = findReplicaSets(b, true));
  b.scaleIfNeeded(b.current(newRS)!, replicasOf(b.d));
  if (deploymentComplete(b.d, b.status)) b.deletes.push(...replicaSetsToCleanUp(current(b, oldRSs), b.d.spec?.revisionHistoryLimit));
  return syncRolloutStatus(b, current(b, [...oldRSs, newRS]), b.current(newRS));
}

function syncRolloutStatus(b: PlanBuilder, all: ReplicaSetObject[], newRS: ReplicaSetObject | undefined): number | undefined {
  const r = rolloutStatus(b.d, all, newRS, b.status, b.now);
  b.status = r.status;
  return r.requeueAfterMs;
}

/**
 * Resizing without a rollout. One active ReplicaSet (or none): it takes spec.replicas. The new
 * one saturated: old ones go to 0. Otherwise (a rollout in flight) the change is spread over
 * the active ReplicaSets in proportion to their size, leftovers to the largest.
 */
function scale(b: PlanBuilder, newRS: ReplicaSetObject | undefined, oldRSs: ReplicaSetObject[]): void {
  const d = b.d;
  const desired = replicasOf(d);
  const target = activeOrLatest(newRS, oldRSs);
  if (target) {
    b.scaleIfNeeded(target, desired);
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const rs of oldRSs.filter(isActive)) b.scaleIfNeeded(rs, 0);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const active = current(b, [...oldRSs, newRS]).filter(isActive);
  const allowed = desired > 0 ? desired + maxSurge(d) : desired;
  const toAdd = allowed - specSum(active);
  const ordered = toAdd > 0 ? [...active].sort(bySizeNewer) : toAdd < 0 ? [...active].sort(bySizeOlder) : active;
  const sizes = new Map<string, number>();
  let added = 0;
  for (const rs of ordered) {
    const p = toAdd !== 0 ? proportion(rs, d, toAdd, added) : 0;
    sizes.set(rs.metadata.name!, replicasOf(rs) + p);
    added += p;
  }
  ordered.forEach((rs, i) => {
    let size = sizes.get(rs.metadata.name!)!;
    if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
    b.scale(rs, size);
  });
}

function activeOrLatest(newRS: ReplicaSetObject | undefined, oldRSs: readonly ReplicaSetObject[]): ReplicaSetObject | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = [...newestFirst, ...(newRS ? [newRS] : [])].filter(isActive);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

function isSaturated(d: DeploymentObject, rs: ReplicaSetObject | undefined): boolean {
  if (!rs) return false;
  const desired = rs.metadata.annotations?.[DESIRED_REPLICAS];
  const want = replicasOf(d);
  return desired !== undefined && Number(desired) === want && replicasOf(rs) === want && (rsStatus(rs).availableReplicas ?? 0) === want;
}

function bySizeNewer(a: ReplicaSetObject, b: ReplicaSetObject): number {
  return replicasOf(b) - replicasOf(a) || byCreation(b, a);
}

function bySizeOlder(a: ReplicaSetObject, b: ReplicaSetObject): number {
  return replicasOf(b) - replicasOf(a) || byCreation(a, b);
}

/** This ReplicaSet's share of `toAdd` (GetProportion). */
function proportion(rs: ReplicaSetObject, d: DeploymentObject, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function replicaSetFraction(rs: ReplicaSetObject, d: DeploymentObject): number {
  if (replicasOf(d) === 0) return -replicasOf(rs);
  const maxNow = replicasOf(d) + maxSurge(d);
  const annotated = rs.metadata.annotations?.[MAX_REPLICAS];
  let maxBefore = annotated !== undefined && /^\d+$/.test(annotated) ? Number(annotated) : 0;
  if (maxBefore === 0) {
    maxBefore = d.status?.replicas ?? 0;
    if (maxBefore === 0) return 0;
  }
  return Math.round((replicasOf(rs) * maxNow) / maxBefore) - replicasOf(rs);
}
