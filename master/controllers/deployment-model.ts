// What the Deployment controller's pure planning works on and produces.
//
// A sync reads the Deployment, the ReplicaSets it owns and (for Recreate) their pods, and
// produces a DeploymentPlan: at most one ReplicaSet to create, ReplicaSet writes (scale,
// annotations), ReplicaSets to delete (history cleanup), and the Deployment's new status and
// revision annotation. deployment.ts performs the plan in that order and stops at the first
// failure, so a half-done plan is simply recomputed on the next sync (level-triggered).
//
// PlanBuilder is the working copy a plan is built in: steps scale ReplicaSets through it and
// later steps see the scaled copies, as upstream's steps see the objects its writes returned.

import type { Deployment, DeploymentStatus, ReplicaSet, ReplicaSetStatus } from "kubernetes-types/apps/v1";
import type { KubeObject } from "../../api/object";
import type { PlannedEvent } from "./controller-utils";
import { maxSurge } from "./deployment-fenceposts";
import { replicasAnnotationsNeedUpdate, setReplicasAnnotations } from "./deployment-history";

export type DeploymentObject = Deployment & KubeObject;
export type ReplicaSetObject = ReplicaSet & KubeObject;

export const DEPLOYMENT_GVK = { apiVersion: "apps/v1", kind: "Deployment" };
export const REPLICASET_GVK = { apiVersion: "apps/v1", kind: "ReplicaSet" };

export interface DeploymentInput {
  deployment: DeploymentObject;
  /** The ReplicaSets the Deployment owns (already claimed). */
  replicaSets: readonly ReplicaSetObject[];
  /** Active and finished pods by owning ReplicaSet uid; only Recreate looks at them. */
  podsByReplicaSet: ReadonlyMap<string, readonly KubeObject[]>;
  now: Date;
}

export interface ReplicaSetWrite {
  /** The full ReplicaSet to write (carries the resourceVersion it was read at). */
  replicaSet: ReplicaSetObject;
  /** Events to record on the Deployment once the write succeeded. */
  events: PlannedEvent[];
}

export interface DeploymentPlan {
  create?: ReplicaSetWrite;
  updates: ReplicaSetWrite[];
  deletes: ReplicaSetObject[];
  /** The new status, when it differs from the stored one. */
  status?: DeploymentStatus;
  /** The new `deployment.kubernetes.io/revision`, when it differs. */
  revision?: string;
  /** Sync again after this long (progress deadline checks). */
  requeueAfterMs?: number;
}

/** spec.replicas with its default. */
export function replicasOf(obj: { spec?: { replicas?: number } }): number {
  return obj.spec?.replicas ?? 1;
}

export function rsStatus(rs: ReplicaSetObject): ReplicaSetStatus {
  return rs.status ?? { replicas: 0 };
}

export function isActive(rs: ReplicaSetObject): boolean {
  return replicasOf(rs) > 0;
}

/** Sum of spec.replicas. */
export function specSum(rss: readonly (ReplicaSetObject | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs ? replicasOf(rs) : 0), 0);
}

/** Sum of status.replicas (pods that exist). */
export function actualSum(rss: readonly (ReplicaSetObject | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs ? rsStatus(rs).replicas ?? 0 : 0), 0);
}

export function readySum(rss: readonly (ReplicaSetObject | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs ? rsStatus(rs).readyReplicas ?? 0 : 0), 0);
}

export function availableSum(rss: readonly (ReplicaSetObject | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs ? rsStatus(rs).availableReplicas ?? 0 : 0), 0);
}

function createdAt(rs: ReplicaSetObject): number {
  const t = rs.metadata.creationTimestamp ? Date.parse(rs.metadata.creationTimestamp) : NaN;
  // Not created yet (the plan's new ReplicaSet): newer than everything.
  return Number.isNaN(t) ? Number.MAX_SAFE_INTEGER : t;
}

/** Oldest first; equal times by name (ReplicaSetsByCreationTimestamp). */
export function byCreation(a: ReplicaSetObject, b: ReplicaSetObject): number {
  const d = createdAt(a) - createdAt(b);
  if (d !== 0) return d;
  const na = a.metadata.name ?? "";
  const nb = b.metadata.name ?? "";
  return na < nb ? -1 : na > nb ? 1 : 0;
}

export function sortByCreation(rss: readonly ReplicaSetObject[]): ReplicaSetObject[] {
  return [...rss].sort(byCreation);
}

/** The working copy of one sync's plan. */
export class PlanBuilder {
  status: DeploymentStatus;
  revision: string | undefined;
  create?: ReplicaSetWrite;
  readonly deletes: ReplicaSetObject[] = [];
  private readonly writes = new Map<string, ReplicaSetWrite>();
  private readonly latest = new Map<string, ReplicaSetObject>();

  constructor(
    readonly d: DeploymentObject,
    readonly now: Date,
    replicaSets: readonly ReplicaSetObject[],
  ) {
    this.status = structuredClone(d.status ?? {});
    this.revision = d.metadata.annotations?.["deployment.kubernetes.io/revision"];
    for (const rs of replicaSets) this.latest.set(rs.metadata.name!, rs);
  }

  /** The ReplicaSets as this plan has left them so far (the planned new one included). */
  replicaSets(): ReplicaSetObject[] {
    return [...this.latest.values()];
  }

  /** Records a changed copy of a ReplicaSet (or of the one the plan creates). */
  write(rs: ReplicaSetObject, event?: PlannedEvent): ReplicaSetObject {
    const name = rs.metadata.name!;
    this.latest.set(name, rs);
    const target = this.create?.replicaSet.metadata.name === name ? this.create : this.writes.get(name);
    if (target) {
      target.replicaSet = rs;
      if (event) target.events.push(event);
    } else {
      this.writes.set(name, { replicaSet: rs, events: event ? [event] : [] });
    }
    return rs;
  }

  planCreate(rs: ReplicaSetObject, event?: PlannedEvent): void {
    this.create = { replicaSet: rs, events: event ? [event] : [] };
    this.latest.set(rs.metadata.name!, rs);
  }

  /**
   * Scales `rs` to `replicas` (and refreshes its desired/max-replicas annotations). Returns
   * whether the size changed, and the ReplicaSet as it will be (scaleReplicaSet upstream).
   */
  scale(rs: ReplicaSetObject, replicas: number): { scaled: boolean; rs: ReplicaSetObject } {
    const desired = replicasOf(this.d);
    const max = desired + maxSurge(this.d);
    const sizeChanges = replicasOf(rs) !== replicas;
    if (!sizeChanges && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
    const copy = structuredClone(rs);
    const from = replicasOf(rs);
    copy.spec = { ...copy.spec!, replicas };
    setReplicasAnnotations(copy, desired, max);
    const event: PlannedEvent | undefined = sizeChanges
      ? { type: "Normal", reason: "ScalingReplicaSet", message: `Scaled ${from < replicas ? "up" : "down"} replica set ${rs.metadata.name} from ${from} to ${replicas}` }
      : undefined;
    return { scaled: sizeChanges, rs: this.write(copy, event) };
  }

  /** scaleReplicaSetAndRecordEvent: nothing at all when the size is already right. */
  scaleIfNeeded(rs: ReplicaSetObject, replicas: number): { scaled: boolean; rs: ReplicaSetObject } {
    if (replicasOf(rs) === replicas) return { scaled: false, rs };
    return this.scale(rs, replicas);
  }

  /** The current copy of `rs` in this plan. */
  current(rs: ReplicaSetObject | undefined): ReplicaSetObject | undefined {
    return rs && this.latest.get(rs.metadata.name!);
  }

  updates(): ReplicaSetWrite[] {
    return [...this.writes.values()];
  }
}
