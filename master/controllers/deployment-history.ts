// Revisions, rollback and history: the annotations `kubectl rollout history|undo` read.
//
//  - every ReplicaSet of a Deployment carries `deployment.kubernetes.io/revision`; the
//    ReplicaSet of the current template gets max(revision of the others) + 1 whenever it is
//    behind, so `rollout undo` (a client-side PATCH of the template back to an old
//    ReplicaSet's) turns that old ReplicaSet into the newest revision; its previous numbers are
//    kept in `deployment.kubernetes.io/revision-history`;
//  - the Deployment carries the revision of its current ReplicaSet;
//  - the Deployment's own annotations (e.g. `kubernetes.io/change-cause`) are copied to the
//    ReplicaSet of its template, except the ones that describe the Deployment itself;
//  - `desired-replicas` and `max-replicas` (spec.replicas and spec.replicas + maxSurge when the
//    ReplicaSet was last scaled) let proportional scaling know each ReplicaSet's share;
//  - beyond revisionHistoryLimit, the oldest scaled-down ReplicaSets are deleted.

import type { ReplicaSetObject } from "./deployment-model";

export const REVISION = "deployment.kubernetes.io/revision";
export const REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
export const DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
export const CHANGE_CAUSE = "kubernetes.io/change-cause";
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
const ROLLBACK_TO = "deprecated.deployment.rollback.to";

/** Longest revision-history annotation kept, in characters (oldest entries are dropped). */
export const REVISION_HISTORY_LIMIT_CHARS = 2000;

const NOT_COPIED = new Set([LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO]);

/** Annotations a Deployment does not pass on to its ReplicaSets (and `rollout undo` keeps). */
export function isDeploymentOnlyAnnotation(key: string): boolean {
  return NOT_COPIED.has(key);
}

type Annotated = { metadata: { annotations?: Record<string, string> } };

/** The revision number of an object; 0 when absent or not a number. */
export function revisionOf(obj: Annotated): number {
  const v = obj.metadata.annotations?.[REVISION];
  if (v === undefined || !/^\d+$/.test(v)) return 0;
  return Number(v);
}

export function maxRevision(rss: readonly Annotated[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

function annotationsOf(obj: Annotated): Record<string, string> {
  return (obj.metadata.annotations ??= {});
}

/** Copies the Deployment's passable annotations onto `rs` (in place); true when one changed. */
export function copyDeploymentAnnotations(d: Annotated, rs: Annotated): boolean {
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (NOT_COPIED.has(k) || rs.metadata.annotations?.[k] === v) continue;
    annotationsOf(rs)[k] = v;
    changed = true;
  }
  return changed;
}

/** `history` with `revision` appended, dropping the oldest entries beyond `limit` characters. */
export function appendRevisionHistory(history: string | undefined, revision: string, limit = REVISION_HISTORY_LIMIT_CHARS): string {
  const entries = history ? history.split(",") : [];
  entries.push(revision);
  while (entries.length > 1 && entries.join(",").length > limit) entries.shift();
  return entries.join(",");
}

export function replicasAnnotationsNeedUpdate(rs: Annotated, desired: number, max: number): boolean {
  const a = rs.metadata.annotations ?? {};
  return a[DESIRED_REPLICAS] !== String(desired) || a[MAX_REPLICAS] !== String(max);
}

/** Sets desired-replicas and max-replicas on `rs` (in place); true when either changed. */
export function setReplicasAnnotations(rs: Annotated, desired: number, max: number): boolean {
  if (!replicasAnnotationsNeedUpdate(rs, desired, max)) return false;
  const a = annotationsOf(rs);
  a[DESIRED_REPLICAS] = String(desired);
  a[MAX_REPLICAS] = String(max);
  return true;
}

/**
 * The annotations of the ReplicaSet of the Deployment's template (SetNewReplicaSetAnnotations):
 * copied Deployment annotations, the revision raised to `newRevision` if it is behind (the old
 * number goes to the revision history), and for a ReplicaSet about to be created, its
 * desired/max replicas. Works in place; true when anything changed.
 */
export function setNewReplicaSetAnnotations(d: Annotated, rs: Annotated, newRevision: number, exists: boolean, replicas: { desired: number; max: number }): boolean {
  let changed = copyDeploymentAnnotations(d, rs);
  const oldRevisionText = rs.metadata.annotations?.[REVISION];
  const oldRevision = revisionOf(rs);
  if (oldRevision < newRevision) {
    annotationsOf(rs)[REVISION] = String(newRevision);
    if (oldRevisionText) annotationsOf(rs)[REVISION_HISTORY] = appendRevisionHistory(rs.metadata.annotations?.[REVISION_HISTORY], oldRevisionText);
    changed = true;
  }
  if (!exists && setReplicasAnnotations(rs, replicas.desired, replicas.max)) changed = true;
  return changed;
}

/**
 * Old ReplicaSets to delete so that at most `limit` remain: oldest revisions first, and only
 * those fully scaled down whose controller has caught up (no pods, spec 0, observed generation
 * current, not already terminating).
 */
export function replicaSetsToCleanUp(oldRSs: readonly ReplicaSetObject[], limit: number | undefined): ReplicaSetObject[] {
  if (limit === undefined || limit === null) return [];
  const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const excess = alive.length - limit;
  if (excess <= 0) return [];
  const ordered = [...alive].sort((a, b) => revisionOf(a) - revisionOf(b) || (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""));
  return ordered.slice(0, excess).filter((rs) => {
    const status: { replicas?: number; observedGeneration?: number } = rs.status ?? {};
    const spec = rs.spec?.replicas ?? 1;
    return (status.replicas ?? 0) === 0 && spec === 0 && (rs.metadata.generation ?? 0) <= (status.observedGeneration ?? 0);
  });
}
