// RollingUpdate: move pods from the old ReplicaSets to the new one while keeping
//   total pods      <= spec.replicas + maxSurge        (scale the new one up only that far)
//   available pods  >= spec.replicas - maxUnavailable  (scale old ones down only that far)
// One step per sync: scale the new ReplicaSet up if room allows; otherwise scale old ones down
// (first their unhealthy pods, then healthy ones while availability allows); the ReplicaSet
// controller acts, pods become ready, statuses change, and the next sync takes the next step.
//
// One deliberate difference from upstream: when counting available pods before scaling down, an
// old ReplicaSet counts at most its spec.replicas. Its status may still report pods a scale-down
// already doomed (the ReplicaSet controller has not caught up), and counting those would let a
// second scale-down go below minimum availability.

import { isRollingUpdate, maxSurge, maxUnavailable } from "./deployment-fenceposts";
import { byCreation, isActive, replicasOf, rsStatus, specSum, type DeploymentObject, type PlanBuilder, type ReplicaSetObject } from "./deployment-model";

/** How many replicas the new ReplicaSet should have now (NewRSNewReplicas). */
export function newReplicaSetReplicas(d: DeploymentObject, allRSs: readonly ReplicaSetObject[], newRS: ReplicaSetObject): number {
  const desired = replicasOf(d);
  if (!isRollingUpdate(d)) return desired;
  const maxTotal = desired + maxSurge(d);
  const current = specSum(allRSs);
  if (current >= maxTotal) return replicasOf(newRS);
  const room = Math.min(maxTotal - current, desired - replicasOf(newRS));
  return replicasOf(newRS) + room;
}

/** Scales the new ReplicaSet toward spec.replicas within the surge budget; true when it scaled. */
export function reconcileNewReplicaSet(b: PlanBuilder, allRSs: readonly ReplicaSetObject[], newRS: ReplicaSetObject): boolean {
  const desired = replicasOf(b.d);
  const current = replicasOf(newRS);
  if (current === desired) return false;
  if (current > desired) return b.scaleIfNeeded(newRS, desired).scaled;
  return b.scaleIfNeeded(newRS, newReplicaSetReplicas(b.d, allRSs, newRS)).scaled;
}

/** Available pods of `rs`, never more than it will keep (see the header). */
function countedAvailable(rs: ReplicaSetObject): number {
  return Math.min(rsStatus(rs).availableReplicas ?? 0, replicasOf(rs));
}

/** Scales old ReplicaSets down as far as availability allows; true when any scaled. */
export function reconcileOldReplicaSets(b: PlanBuilder, allRSs: readonly ReplicaSetObject[], oldRSs: readonly ReplicaSetObject[], newRS: ReplicaSetObject): boolean {
  if (specSum(oldRSs) === 0) return false;
  const minAvailable = replicasOf(b.d) - maxUnavailable(b.d);
  const newUnavailable = replicasOf(newRS) - (rsStatus(newRS).availableReplicas ?? 0);
  const maxScaledDown = specSum(allRSs) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;

  // Pods that are not available anyway go first: removing them costs no availability.
  const cleaned = cleanupUnhealthyReplicas(b, oldRSs, maxScaledDown);
  const afterCleanup = oldRSs.map((rs) => b.current(rs)!);
  const scaled = scaleDownForRollingUpdate(b, [...afterCleanup, b.current(newRS)!], afterCleanup, minAvailable);
  return cleaned + scaled > 0;
}

function cleanupUnhealthyReplicas(b: PlanBuilder, oldRSs: readonly ReplicaSetObject[], maxCleanup: number): number {
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= maxCleanup) break;
    const replicas = replicasOf(rs);
    const available = rsStatus(rs).availableReplicas ?? 0;
    if (replicas === 0 || replicas <= available) continue;
    const count = Math.min(maxCleanup - total, replicas - available);
    b.scaleIfNeeded(rs, replicas - count);
    total += count;
  }
  return total;
}

function scaleDownForRollingUpdate(b: PlanBuilder, allRSs: readonly ReplicaSetObject[], oldRSs: readonly ReplicaSetObject[], minAvailable: number): number {
  const available = allRSs.reduce((n, rs) => n + countedAvailable(rs), 0);
  if (available <= minAvailable) return 0;
  const budget = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= budget) break;
    const replicas = replicasOf(rs);
    if (replicas === 0) continue;
    const count = Math.min(replicas, budget - total);
    b.scaleIfNeeded(rs, replicas - count);
    total += count;
  }
  return total;
}

/** Old ReplicaSets that still have replicas. */
export function activeReplicaSets(rss: readonly ReplicaSetObject[]): ReplicaSetObject[] {
  return rss.filter(isActive);
}
