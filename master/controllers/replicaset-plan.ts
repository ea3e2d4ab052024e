// The ReplicaSet controller's decisions, without I/O: which pods to create or delete, which to
// delete first, in what batches to create, and what status to report. replicaset.ts reads the
// caches, calls these, and performs the writes.

import type { ReplicaSet, ReplicaSetCondition, ReplicaSetStatus } from "kubernetes-types/apps/v1";
import type { LabelSelector } from "kubernetes-types/meta/v1";
import type { KubeObject } from "../../api/object";
import { labelSelectorAsMatcher } from "../../api/selectors/label-selector";
import { isPodAvailable, isPodReady, planClaims, timestamp, type ClaimPlan } from "./controller-utils";

export type ReplicaSetObject = ReplicaSet & KubeObject;

/** At most this many pods are created or deleted in one sync (upstream's burstReplicas). */
export const BURST_REPLICAS = 500;

export function desiredReplicas(rs: KubeObject): number {
  return ((rs.spec ?? {}) as { replicas?: number }).replicas ?? 1;
}

export function minReadySecondsOf(obj: KubeObject): number {
  return ((obj.spec ?? {}) as { minReadySeconds?: number }).minReadySeconds ?? 0;
}

/**
 * The spec.selector as a matcher. A missing, empty or invalid selector selects nothing: a
 * controller must never claim every pod of a namespace (validation refuses these anyway).
 */
export function selectorMatcherOf(obj: KubeObject): (labels: Record<string, string> | undefined) => boolean {
  const selector = ((obj.spec ?? {}) as { selector?: LabelSelector }).selector;
  if (!selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)) return () => false;
  try {
    return labelSelectorAsMatcher(selector);
  } catch {
    return () => false;
  }
}

/** Which of the namespace's active pods this ReplicaSet owns, adopts and releases. */
export function claimPods(rs: KubeObject, activePods: readonly KubeObject[]): ClaimPlan<KubeObject> {
  const matches = selectorMatcherOf(rs);
  return planClaims(rs, (p) => matches(p.metadata.labels), activePods);
}

export interface ReplicaPlan {
  /** Pods to create from the template. */
  create: number;
  /** Pods to delete, best candidates first. */
  delete: KubeObject[];
}

/**
 * Create or delete to reach spec.replicas. `related` are the active pods of every ReplicaSet
 * with the same controller (the Deployment's other ReplicaSets): deleting a pod that shares its
 * node with many of them spreads the remaining pods better.
 */
export function planReplicas(rs: KubeObject, owned: readonly KubeObject[], related: readonly KubeObject[] = owned, burst = BURST_REPLICAS): ReplicaPlan {
  const diff = owned.length - desiredReplicas(rs);
  if (diff < 0) return { create: Math.min(-diff, burst), delete: [] };
  if (diff > 0) return { create: 0, delete: rankForDeletion(owned, related).slice(0, Math.min(diff, burst)) };
  return { create: 0, delete: [] };
}

const PHASE_ORDER: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

function nodeOf(pod: KubeObject): string {
  return ((pod.spec ?? {}) as { nodeName?: string }).nodeName ?? "";
}

function phaseOrder(pod: KubeObject): number {
  return PHASE_ORDER[((pod.status ?? {}) as { phase?: string }).phase ?? "Pending"] ?? 0;
}

function readySince(pod: KubeObject): number | undefined {
  const conditions = ((pod.status ?? {}) as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] }).conditions ?? [];
  const c = conditions.find((x) => x.type === "Ready" && x.status === "True");
  const t = c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return Number.isNaN(t) ? undefined : t;
}

function maxRestarts(pod: KubeObject): number {
  const statuses = ((pod.status ?? {}) as { containerStatuses?: { restartCount?: number }[] }).containerStatuses ?? [];
  return statuses.reduce((m, s) => Math.max(m, s.restartCount ?? 0), 0);
}

function created(pod: KubeObject): number | undefined {
  const t = pod.metadata.creationTimestamp ? Date.parse(pod.metadata.creationTimestamp) : NaN;
  return Number.isNaN(t) ? undefined : t;
}

/** Unknown times first, then later before earlier ("newest first"). */
function newerFirst(a: number | undefined, b: number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return b - a;
}

/**
 * Pods in the order a scale-down deletes them (Kubernetes' ActivePodsWithRanks):
 *  1. unscheduled before scheduled;
 *  2. Pending before Unknown before Running;
 *  3. not ready before ready;
 *  4. pods on crowded nodes (more related pods on the same node) first;
 *  5. ready for less time before ready for longer;
 *  6. more container restarts first;
 *  7. newer before older.
 * Ties are broken by name so the order is deterministic.
 */
export function rankForDeletion(pods: readonly KubeObject[], related: readonly KubeObject[] = pods): KubeObject[] {
  const onNode = new Map<string, number>();
  for (const p of related) {
    const n = nodeOf(p);
    if (n) onNode.set(n, (onNode.get(n) ?? 0) + 1);
  }
  const rank = (p: KubeObject) => onNode.get(nodeOf(p)) ?? 0;
  return [...pods].sort((a, b) => {
    const na = nodeOf(a) === "";
    const nb = nodeOf(b) === "";
    if (na !== nb) return na ? -1 : 1;
    if (phaseOrder(a) !== phaseOrder(b)) return phaseOrder(a) - phaseOrder(b);
    const ra = isPodReady(a);
    const rb = isPodReady(b);
    if (ra !== rb) return ra ? 1 : -1;
    if (rank(a) !== rank(b)) return rank(b) - rank(a);
    if (ra && rb) {
      const byReady = newerFirst(readySince(a), readySince(b));
      if (byReady !== 0) return byReady;
    }
    if (maxRestarts(a) !== maxRestarts(b)) return maxRestarts(b) - maxRestarts(a);
    const byAge = newerFirst(created(a), created(b));
    if (byAge !== 0) return byAge;
    return (a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : (a.metadata.name ?? "") > (b.metadata.name ?? "") ? 1 : 0;
  });
}

/**
 * Slow start: batches of 1, 2, 4, ... up to `count`. A batch with a failure stops the rest, so
 * a quota or admission error costs one request, not hundreds.
 */
export function slowStartBatches(count: number, initial = 1): number[] {
  const batches: number[] = [];
  let remaining = count;
  for (let size = Math.min(remaining, initial); size > 0; size = Math.min(2 * size, remaining)) {
    batches.push(size);
    remaining -= size;
  }
  return batches;
}

export interface ManageFailure {
  reason: "FailedCreate" | "FailedDelete";
  message: string;
}

/**
 * The status a ReplicaSet reports for the pods it owns. Zero counters are omitted, as
 * Kubernetes serializes them. A ReplicaFailure condition appears when the last create/delete
 * failed and is removed after a clean sync.
 */
export function replicaSetStatus(rs: KubeObject, owned: readonly KubeObject[], now: Date, failure?: ManageFailure): ReplicaSetStatus {
  const template = ((rs.spec ?? {}) as { template?: { metadata?: { labels?: Record<string, string> } } }).template;
  const templateLabels = Object.entries(template?.metadata?.labels ?? {});
  const minReady = minReadySecondsOf(rs);
  let fully = 0;
  let ready = 0;
  let available = 0;
  for (const pod of owned) {
    const labels = pod.metadata.labels ?? {};
    if (templateLabels.every(([k, v]) => labels[k] === v)) fully++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
    }
  }
  const previous = ((rs.status ?? {}) as ReplicaSetStatus).conditions ?? [];
  let conditions = previous;
  const existing = previous.find((c) => c.type === "ReplicaFailure");
  if (failure && !existing) {
    const cond: ReplicaSetCondition = { type: "ReplicaFailure", status: "True", reason: failure.reason, message: failure.message, lastTransitionTime: timestamp(now) };
    conditions = [...previous, cond];
  } else if (!failure && existing) {
    conditions = previous.filter((c) => c.type !== "ReplicaFailure");
  }
  const status: ReplicaSetStatus = { replicas: owned.length };
  if (fully) status.fullyLabeledReplicas = fully;
  if (ready) status.readyReplicas = ready;
  if (available) status.availableReplicas = available;
  if (rs.metadata.generation) status.observedGeneration = rs.metadata.generation;
  if (conditions.length > 0) status.conditions = conditions;
  return status;
}
