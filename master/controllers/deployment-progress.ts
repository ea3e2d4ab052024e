// A Deployment's status and conditions, as `kubectl rollout status` and `kubectl get deploy`
// read them.
//
// Counters (calculateStatus): replicas = pods of all its ReplicaSets, updatedReplicas = pods of
// the new one, ready/available summed, unavailableReplicas = spec total - available.
//
// Conditions:
//   Available    True  MinimumReplicasAvailable    available >= replicas - maxUnavailable
//                False MinimumReplicasUnavailable
//   Progressing  True  NewReplicaSetCreated        a new ReplicaSet was created
//                True  FoundNewReplicaSet          first sight of an existing new ReplicaSet
//                True  ReplicaSetUpdated           the rollout moved (lastUpdateTime refreshed)
//                True  NewReplicaSetAvailable      the rollout is complete
//                False ProgressDeadlineExceeded    no movement for progressDeadlineSeconds
//                False FailedRSCreate              creating the new ReplicaSet failed
//                Unknown DeploymentPaused / DeploymentResumed
//   ReplicaFailure copied from the ReplicaSets (the new one's first).
// All with an injected `now`, so deadlines are tested without waiting.

import type { DeploymentCondition, DeploymentStatus } from "kubernetes-types/apps/v1";
import { timestamp } from "./controller-utils";
import { maxUnavailable } from "./deployment-fenceposts";
import { actualSum, availableSum, readySum, replicasOf, specSum, type DeploymentObject, type ReplicaSetObject } from "./deployment-model";

export const PROGRESSING = "Progressing";
export const AVAILABLE = "Available";
export const REPLICA_FAILURE = "ReplicaFailure";

export const Reasons = {
  newRSCreated: "NewReplicaSetCreated",
  foundNewRS: "FoundNewReplicaSet",
  rsUpdated: "ReplicaSetUpdated",
  newRSAvailable: "NewReplicaSetAvailable",
  timedOut: "ProgressDeadlineExceeded",
  failedRSCreate: "FailedRSCreate",
  paused: "DeploymentPaused",
  resumed: "DeploymentResumed",
  minAvailable: "MinimumReplicasAvailable",
  minUnavailable: "MinimumReplicasUnavailable",
} as const;

export function newCondition(type: string, status: "True" | "False" | "Unknown", reason: string, message: string, now: Date): DeploymentCondition {
  const t = timestamp(now);
  return { type, status, reason, message, lastUpdateTime: t, lastTransitionTime: t };
}

export function getCondition(status: DeploymentStatus, type: string): DeploymentCondition | undefined {
  return status.conditions?.find((c) => c.type === type);
}

/**
 * Sets `cond` in place. Same status and reason: nothing changes (timestamps kept). Same status,
 * new reason: lastTransitionTime is kept.
 */
export function setCondition(status: DeploymentStatus, cond: DeploymentCondition): void {
  const current = getCondition(status, cond.type);
  if (current && current.status === cond.status && current.reason === cond.reason) return;
  const next = { ...cond };
  if (current && current.status === cond.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
  if (status.conditions.length === 0) delete status.conditions;
}

/** progressDeadlineSeconds is set (and not the "never" value MaxInt32). */
export function hasProgressDeadline(d: DeploymentObject): boolean {
  const s = d.spec?.progressDeadlineSeconds;
  return s !== undefined && s !== null && s !== 2147483647;
}

/** The counters and Available condition; conditions otherwise carried over from `current`. */
export function calculateStatus(d: DeploymentObject, allRSs: readonly (ReplicaSetObject | undefined)[], newRS: ReplicaSetObject | undefined, current: DeploymentStatus, now: Date): DeploymentStatus {
  const available = availableSum(allRSs);
  const status: DeploymentStatus = {};
  const set = (k: "observedGeneration" | "replicas" | "updatedReplicas" | "readyReplicas" | "availableReplicas" | "unavailableReplicas", v: number) => {
    if (v) status[k] = v;
  };
  set("observedGeneration", d.metadata.generation ?? 0);
  set("replicas", actualSum(allRSs));
  set("updatedReplicas", actualSum([newRS]));
  set("readyReplicas", readySum(allRSs));
  set("availableReplicas", available);
  set("unavailableReplicas", Math.max(0, specSum(allRSs) - available));
  if (current.collisionCount !== undefined) status.collisionCount = current.collisionCount;
  if (current.conditions?.length) status.conditions = current.conditions.map((c) => ({ ...c }));
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setCondition(status, newCondition(AVAILABLE, "True", Reasons.minAvailable, "Deployment has minimum availability.", now));
  } else {
    setCondition(status, newCondition(AVAILABLE, "False", Reasons.minUnavailable, "Deployment does not have minimum availability.", now));
  }
  return status;
}

/** Every replica updated, present and available, and this generation observed. */
export function deploymentComplete(d: DeploymentObject, s: DeploymentStatus): boolean {
  const want = replicasOf(d);
  return (s.updatedReplicas ?? 0) === want && (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) === want && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** The rollout moved since `before`: more updated, fewer old, more ready or more available. */
export function deploymentProgressing(before: DeploymentStatus, after: DeploymentStatus): boolean {
  const oldBefore = (before.replicas ?? 0) - (before.updatedReplicas ?? 0);
  const oldAfter = (after.replicas ?? 0) - (after.updatedReplicas ?? 0);
  return (
    (after.updatedReplicas ?? 0) > (before.updatedReplicas ?? 0) ||
    oldAfter < oldBefore ||
    (after.readyReplicas ?? 0) > (before.readyReplicas ?? 0) ||
    (after.availableReplicas ?? 0) > (before.availableReplicas ?? 0)
  );
}

/** No progress reported for progressDeadlineSeconds. */
export function deploymentTimedOut(d: DeploymentObject, s: DeploymentStatus, now: Date): boolean {
  if (!hasProgressDeadline(d)) return false;
  const cond = getCondition(s, PROGRESSING);
  if (!cond) return false;
  if (cond.reason === Reasons.newRSAvailable) return false;
  if (cond.reason === Reasons.timedOut) return true;
  const from = Date.parse(cond.lastUpdateTime ?? "");
  if (Number.isNaN(from)) return false;
  return from + d.spec!.progressDeadlineSeconds! * 1000 < now.getTime();
}

/**
 * The status after a rollout step (syncRolloutStatus): counters, then the Progressing
 * condition (complete, progressing or timed out), then ReplicaFailure. `current` is the status
 * so far in this sync. Also says when to look again to catch a deadline.
 */
export function rolloutStatus(d: DeploymentObject, allRSs: readonly (ReplicaSetObject | undefined)[], newRS: ReplicaSetObject | undefined, current: DeploymentStatus, now: Date): { status: DeploymentStatus; requeueAfterMs?: number } {
  const status = calculateStatus(d, allRSs, newRS, current, now);
  if (!hasProgressDeadline(d)) removeCondition(status, PROGRESSING);
  const currentCond = getCondition(current, PROGRESSING);
  const complete = status.replicas === status.updatedReplicas && currentCond?.reason === Reasons.newRSAvailable;
  if (hasProgressDeadline(d) && !complete) {
    const subject = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
    if (deploymentComplete(d, status)) {
      setCondition(status, newCondition(PROGRESSING, "True", Reasons.newRSAvailable, `${subject} has successfully progressed.`, now));
    } else if (deploymentProgressing(current, status)) {
      const cond = newCondition(PROGRESSING, "True", Reasons.rsUpdated, `${subject} is progressing.`, now);
      if (currentCond?.status === "True") cond.lastTransitionTime = currentCond.lastTransitionTime;
      // Remove first so lastUpdateTime moves even when the reason stays ReplicaSetUpdated.
      removeCondition(status, PROGRESSING);
      setCondition(status, cond);
    } else if (deploymentTimedOut(d, status, now)) {
      setCondition(status, newCondition(PROGRESSING, "False", Reasons.timedOut, `${subject} has timed out progressing.`, now));
    }
  }
  const failures = replicaFailures(allRSs, newRS);
  if (failures.length > 0) setCondition(status, failures[0]);
  else removeCondition(status, REPLICA_FAILURE);
  return { status, requeueAfterMs: stuckRequeueMs(d, status, now) };
}

/** ReplicaFailure conditions of the new ReplicaSet, else of any ReplicaSet. */
function replicaFailures(allRSs: readonly (ReplicaSetObject | undefined)[], newRS: ReplicaSetObject | undefined): DeploymentCondition[] {
  const of = (rs: ReplicaSetObject | undefined) =>
    (rs?.status?.conditions ?? [])
      .filter((c) => c.type === REPLICA_FAILURE)
      .map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message, lastUpdateTime: c.lastTransitionTime, lastTransitionTime: c.lastTransitionTime }));
  const fromNew = of(newRS);
  return fromNew.length > 0 ? fromNew : allRSs.flatMap(of);
}

/** When a rollout without progress would pass its deadline (requeueStuckDeployment). */
export function stuckRequeueMs(d: DeploymentObject, status: DeploymentStatus, now: Date): number | undefined {
  const cond = getCondition(status, PROGRESSING);
  if (!hasProgressDeadline(d) || !cond) return undefined;
  if (deploymentComplete(d, status) || cond.reason === Reasons.timedOut) return undefined;
  const from = Date.parse(cond.lastUpdateTime ?? "");
  if (Number.isNaN(from)) return undefined;
  const after = from + d.spec!.progressDeadlineSeconds! * 1000 - now.getTime();
  return after < 1000 ? 1000 : after + 1000;
}
