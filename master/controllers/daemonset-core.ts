// The DaemonSet controller's decisions, with no I/O: given a DaemonSet, all nodes, the pods the
// DaemonSet owns and the time, say which pods to create (one per eligible node), which to delete
// (misplaced, duplicated, failed, or replaced by a rolling update) and what status to write.
// daemonset.ts feeds it from informers and carries the plan out.
//
// Revisions: the `controller-revision-hash` label is a hash of the pod template, computed here.
// Gantry keeps no ControllerRevision objects, so `kubectl rollout undo daemonset` has no history
// to go back to; `kubectl rollout status` works (it reads the status counters).

import type { DaemonSet, DaemonSetStatus } from "kubernetes-types/apps/v1";
import type { Node, PodSpec } from "kubernetes-types/core/v1";
import type { KubeObject } from "../../api/object";
import { computePodTemplateHash, isPodAvailable, isPodReady, msUntilNextAvailable, newControllerRef, podFromTemplate, podNamePrefix, type PodObject } from "./controller-utils";
import { daemonTolerations, nodeShouldRunDaemonPod, pinToNode, targetNodeName } from "./daemonset-eligibility";

export const REVISION_HASH_LABEL = "controller-revision-hash";
export const TEMPLATE_GENERATION_LABEL = "pod-template-generation";

export type DaemonSetObject = DaemonSet & KubeObject;
export type NodeObject = Node & KubeObject;

export interface DaemonSetPlan {
  /** Pods to create, each already pinned to its node. */
  create: { nodeName: string; pod: KubeObject }[];
  delete: { pod: PodObject; why: "not-eligible" | "duplicate" | "failed" | "update" | "node-gone" }[];
  status: DaemonSetStatus;
  /** Failed pods whose replacement waits for the node's back-off. */
  backedOff: string[];
  /** Look again after this long even without events (min-ready-seconds, back-off). */
  requeueAfterMs?: number;
}

/** The `controller-revision-hash` of a DaemonSet's current template. */
export function templateHash(ds: DaemonSetObject): string {
  return computePodTemplateHash(ds.spec?.template, ds.status?.collisionCount);
}

function isTerminal(pod: PodObject): boolean {
  return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}

function created(pod: PodObject): number {
  return Date.parse(pod.metadata.creationTimestamp ?? "") || 0;
}

/** Oldest first; among equals, running before pending, then by name (podByCreationTimestampAndPhase). */
function byAge(a: PodObject, b: PodObject): number {
  const d = created(a) - created(b);
  if (d !== 0) return d;
  const running = (p: PodObject) => (p.status?.phase === "Running" ? 0 : 1);
  if (running(a) !== running(b)) return running(a) - running(b);
  return (a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : 1;
}

/** An int-or-percent of `total`, percentages rounded up (intstr.GetScaledValueFromIntOrPercent). */
export function scaledValue(v: number | string | undefined, total: number, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(v);
  if (m) return Math.ceil((Number(m[1]) * total) / 100);
  const n = Number(v);
  return Number.isInteger(n) ? n : fallback;
}

// ---- the pod a node gets ----------------------------------------------------------------

export function newDaemonPod(ds: DaemonSetObject, nodeName: string, hash: string): KubeObject {
  const template = structuredClone(ds.spec?.template ?? { spec: { containers: [] } });
  const labels: Record<string, string> = { ...(template.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash };
  if (ds.metadata.generation !== undefined) labels[TEMPLATE_GENERATION_LABEL] = String(ds.metadata.generation);
  template.metadata = { ...(template.metadata ?? {}), labels };
  const spec: PodSpec = template.spec ?? { containers: [] };
  spec.affinity = pinToNode(spec.affinity, nodeName);
  spec.tolerations = daemonTolerations(spec);
  template.spec = spec;
  const ref = newControllerRef(ds, { apiVersion: "apps/v1", kind: "DaemonSet" });
  return podFromTemplate(template, ds.metadata.namespace ?? "default", podNamePrefix(ds.metadata.name ?? ""), ref);
}

// ---- the plan ---------------------------------------------------------------------------

/** Per-node back-off for replacing failed daemon pods: 1 s doubling to 15 min (Kubernetes' values). */
export class FailedPodBackoff {
  private readonly entries = new Map<string, { delayMs: number; until: number }>();

  constructor(
    private readonly initialMs = 1000,
    private readonly maxMs = 15 * 60_000,
  ) {}

  /** Remaining wait for this key, 0 if none. */
  remaining(key: string, now: Date): number {
    const e = this.entries.get(key);
    return e ? Math.max(0, e.until - now.getTime()) : 0;
  }

  /** Records a failure: the next one waits twice as long, up to the maximum. */
  next(key: string, now: Date): void {
    const e = this.entries.get(key);
    const delayMs = e ? Math.min(this.maxMs, e.delayMs * 2) : this.initialMs;
    this.entries.set(key, { delayMs, until: now.getTime() + delayMs });
  }

  /** Forgets entries idle for twice the maximum, so the map stays small. */
  gc(now: Date): void {
    for (const [k, e] of this.entries) if (now.getTime() - e.until > 2 * this.maxMs) this.entries.delete(k);
  }
}

export interface PlanInput {
  ds: DaemonSetObject;
  nodes: NodeObject[];
  /** Pods whose controller is this DaemonSet. */
  pods: PodObject[];
  now: Date;
  backoff?: FailedPodBackoff;
}

export function planDaemonSet({ ds, nodes, pods, now, backoff }: PlanInput): DaemonSetPlan {
  const hash = templateHash(ds);
  const templateSpec: PodSpec = ds.spec?.template?.spec ?? { containers: [] };
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const plan: DaemonSetPlan = { create: [], delete: [], status: {} as DaemonSetStatus, backedOff: [] };
  const requeue = (ms: number) => {
    if (ms > 0) plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? Infinity, ms);
  };

  // Pods by target node. Finished pods already being deleted are of no further interest.
  const byNode = new Map<string, PodObject[]>();
  for (const pod of pods) {
    if (isTerminal(pod) && pod.metadata.deletionTimestamp) continue;
    const target = targetNodeName(pod.spec) ?? "";
    byNode.set(target, [...(byNode.get(target) ?? []), pod].sort(byAge));
  }

  const nodeNames = new Set(nodes.map((n) => n.metadata?.name ?? ""));
  for (const [target, list] of byNode) {
    if (nodeNames.has(target)) continue;
    for (const pod of list) if (!pod.metadata.deletionTimestamp) plan.delete.push({ pod, why: "node-gone" });
  }

  const eligible = new Map<string, NodeObject>();
  const surge = ds.spec?.updateStrategy?.type !== "OnDelete" && scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxSurge, 0, 0) !== 0;
  for (const node of [...nodes].sort((a, b) => ((a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1))) {
    const name = node.metadata?.name ?? "";
    const verdict = nodeShouldRunDaemonPod(templateSpec, node);
    if (verdict.shouldRun) eligible.set(name, node);
    const here = byNode.get(name) ?? [];
    if (verdict.shouldRun && here.length === 0) {
      plan.create.push({ nodeName: name, pod: newDaemonPod(ds, name, hash) });
      continue;
    }
    if (!verdict.shouldContinueRunning) {
      for (const pod of here) if (!pod.metadata.deletionTimestamp) plan.delete.push({ pod, why: "not-eligible" });
      continue;
    }
    const running: PodObject[] = [];
    for (const pod of here) {
      if (pod.metadata.deletionTimestamp) continue;
      if (pod.status?.phase === "Failed") {
        const key = `${ds.metadata.uid}/${name}`;
        const wait = backoff?.remaining(key, now) ?? 0;
        if (wait > 0) {
          plan.backedOff.push(name);
          requeue(wait);
          continue;
        }
        backoff?.next(key, now);
        plan.delete.push({ pod, why: "failed" });
        continue;
      }
      running.push(pod);
    }
    if (running.length <= 1) continue;
    if (!surge) {
      for (const pod of running.slice(1)) plan.delete.push({ pod, why: "duplicate" });
      continue;
    }
    // Surge allows an old and a new pod side by side while the new one becomes ready.
    const oldestNew = running.find((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === hash);
    const oldestOld = running.find((p) => p.metadata.labels?.[REVISION_HASH_LABEL] !== hash);
    for (const pod of running) if (pod !== oldestNew && pod !== oldestOld) plan.delete.push({ pod, why: "duplicate" });
    if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, minReady, now))) plan.delete.push({ pod: oldestOld, why: "duplicate" });
  }

  if (ds.spec?.updateStrategy?.type !== "OnDelete") rollingUpdate(ds, hash, eligible, byNode, now, plan);
  plan.status = daemonSetStatus(ds, hash, nodes, byNode, now);
  // A ready pod turns available after minReadySeconds: look again then.
  const wait = msUntilNextAvailable([...byNode.values()].flat(), minReady, now);
  if (wait !== undefined) requeue(wait);
  // One pod never gets two verdicts.
  const seen = new Set<string>();
  plan.delete = plan.delete.filter((d) => {
    const k = d.pod.metadata.uid ?? d.pod.metadata.name ?? "";
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return plan;
}

/** The current and the old pod on a node; undefined if there are several of either kind. */
function splitByRevision(pods: PodObject[], hash: string): { newPod?: PodObject; oldPod?: PodObject } | undefined {
  let newPod: PodObject | undefined;
  let oldPod: PodObject | undefined;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    if (pod.metadata.labels?.[REVISION_HASH_LABEL] === hash) {
      if (newPod) return undefined;
      newPod = pod;
    } else {
      if (oldPod) return undefined;
      oldPod = pod;
    }
  }
  return { newPod, oldPod };
}

/**
 * Kubernetes' rolling update. Without surge: delete old pods (the manage pass then creates their
 * replacements) while at most maxUnavailable nodes lack an available pod; old pods that are not
 * available anyway go at once. With surge: create the new pod next to the old one on up to
 * maxSurge nodes, and delete the old pod once the new one is available.
 */
function rollingUpdate(ds: DaemonSetObject, hash: string, eligible: Map<string, NodeObject>, byNode: Map<string, PodObject[]>, now: Date, plan: DaemonSetPlan): void {
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const desired = eligible.size;
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  const maxSurge = scaledValue(ru?.maxSurge, desired, 0);
  let maxUnavailable = scaledValue(ru?.maxUnavailable, desired, 1);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  // Every eligible node, those still without a pod included: they count as unavailable.
  const nodes = [...eligible.keys()].sort();

  if (maxSurge === 0) {
    let unavailable = 0;
    const replaceNow: PodObject[] = [];
    const candidates: PodObject[] = [];
    for (const node of nodes) {
      const split = splitByRevision(byNode.get(node) ?? [], hash);
      if (!split || (split.newPod && split.oldPod) || (!split.newPod && !split.oldPod)) {
        unavailable++;
        continue;
      }
      if (split.newPod) {
        if (!isPodAvailable(split.newPod, minReady, now)) unavailable++;
        continue;
      }
      if (!isPodAvailable(split.oldPod!, minReady, now)) replaceNow.push(split.oldPod!);
      else if (unavailable < maxUnavailable) candidates.push(split.oldPod!);
    }
    const budget = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
    for (const pod of [...replaceNow, ...candidates.slice(0, budget)]) plan.delete.push({ pod, why: "update" });
    return;
  }

  let surging = 0;
  const allowed: string[] = [];
  const candidates: string[] = [];
  for (const node of nodes) {
    const split = splitByRevision(byNode.get(node) ?? [], hash);
    if (!split) {
      surging++;
      continue;
    }
    if (!split.oldPod) continue;
    if (!split.newPod) {
      if (!isPodAvailable(split.oldPod, minReady, now)) allowed.push(node);
      else if (surging < maxSurge) candidates.push(node);
      continue;
    }
    if (!isPodAvailable(split.newPod, minReady, now)) {
      surging++;
      continue;
    }
    plan.delete.push({ pod: split.oldPod, why: "update" });
  }
  const budget = Math.min(Math.max(0, maxSurge - surging), candidates.length);
  for (const node of [...allowed, ...candidates.slice(0, budget)]) plan.create.push({ nodeName: node, pod: newDaemonPod(ds, node, hash) });
}

function daemonSetStatus(ds: DaemonSetObject, hash: string, nodes: NodeObject[], byNode: Map<string, PodObject[]>, now: Date): DaemonSetStatus {
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const templateSpec: PodSpec = ds.spec?.template?.spec ?? { containers: [] };
  let desired = 0;
  let scheduled = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  for (const node of nodes) {
    const name = node.metadata?.name ?? "";
    const verdict = nodeShouldRunDaemonPod(templateSpec, node);
    const here = byNode.get(name) ?? [];
    if (verdict.shouldRun) {
      desired++;
      if (here.length === 0) continue;
      scheduled++;
      // The oldest pod speaks for the node; an updated pod counts wherever it is on the node.
      const first = here[0];
      if (isPodReady(first)) {
        ready++;
        if (isPodAvailable(first, minReady, now)) available++;
      }
      if (here.some((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === hash && !p.metadata.deletionTimestamp)) updated++;
    } else if (here.length > 0) {
      misscheduled++;
    }
  }
  const status: DaemonSetStatus = {
    ...(ds.status ?? {}),
    currentNumberScheduled: scheduled,
    desiredNumberScheduled: desired,
    numberMisscheduled: misscheduled,
    numberReady: ready,
    observedGeneration: ds.metadata.generation,
    updatedNumberScheduled: updated,
    numberAvailable: available,
    numberUnavailable: desired - available,
  };
  // Go omits zero optional counters.
  if (status.numberAvailable === 0) delete status.numberAvailable;
  if (status.numberUnavailable === 0) delete status.numberUnavailable;
  if (status.updatedNumberScheduled === 0) delete status.updatedNumberScheduled;
  return status;
}
