// Recreate: scale every old ReplicaSet to 0, wait until none of their pods is left running,
// then create (or scale up) the new ReplicaSet to spec.replicas. Never two versions at once.

import type { KubeObject } from "../../api/object";
import { actualSum, isActive, replicasOf, type PlanBuilder, type ReplicaSetObject } from "./deployment-model";

/** Scales every active old ReplicaSet to 0; true when any was scaled. */
export function scaleDownOldForRecreate(b: PlanBuilder, oldRSs: readonly ReplicaSetObject[]): boolean {
  let scaled = false;
  for (const rs of oldRSs.filter(isActive)) {
    if (replicasOf(rs) === 0) continue;
    if (b.scaleIfNeeded(rs, 0).scaled) scaled = true;
  }
  return scaled;
}

/**
 * Whether pods of old ReplicaSets may still be running: any old ReplicaSet reports pods, or any
 * pod of theirs (terminating ones included) has not finished.
 */
export function oldPodsRunning(newRS: ReplicaSetObject | undefined, oldRSs: readonly ReplicaSetObject[], podsByReplicaSet: ReadonlyMap<string, readonly KubeObject[]>): boolean {
  if (actualSum(oldRSs) > 0) return true;
  for (const [uid, pods] of podsByReplicaSet) {
    if (newRS && newRS.metadata.uid === uid) continue;
    for (const pod of pods) {
      const phase = (pod.status as { phase?: string } | undefined)?.phase;
      if (phase === "Succeeded" || phase === "Failed") continue;
      return true;
    }
  }
  return false;
}
