// The node lifecycle controller's decisions, with no I/O (node-lifecycle.ts carries them out).
//
// Heartbeats. An agent proves it is alive by updating its Node's Ready condition
// (lastHeartbeatTime) or its Lease in kube-node-lease (spec.renewTime); either counts. As in
// Kubernetes, the controller does not trust the timestamps' values — agents' clocks may be off —
// but notes, on its own clock, when it last saw either of them change. A node first seen (for
// instance right after this master became leader) gets a full grace period.
//
// After the grace period (40 s; 60 s for a node that never reported Ready) without a heartbeat,
// the node's Ready, MemoryPressure, DiskPressure and PIDPressure conditions become Unknown
// (reason NodeStatusUnknown, "Kubelet stopped posting node status."), a NodeNotReady event is
// recorded, and the Ready condition of its pods is set to False so Services stop using them.
//
// Taints follow the conditions: Ready Unknown → node.kubernetes.io/unreachable, Ready False (the
// agent's own verdict) → node.kubernetes.io/not-ready, each as NoSchedule and NoExecute; pressure
// conditions and spec.unschedulable get their NoSchedule taints. They go when the node recovers.
//
// Eviction. A pod on a node with NoExecute taints is deleted at once if it does not tolerate one
// of them, else when the shortest tolerationSeconds of its matching tolerations has passed since
// the taint was added (pods get 300 s for not-ready/unreachable from the apiserver's defaults).
// Its controller (ReplicaSet, Job, …) then replaces it elsewhere.
//
// Disruption. When every node of a zone looks lost at once (in every zone), the likelier cause
// is this master's own network, so nothing is evicted: NoExecute not-ready/unreachable taints are
// removed instead (Kubernetes' "master disruption mode"). When at least 3 nodes and 55% of a
// zone are lost (partial disruption), no new NoExecute taints are added there (Kubernetes' rate
// for clusters of up to 50 nodes); existing ones stay.

import type { Lease } from "kubernetes-types/coordination/v1";
import type { Node, NodeCondition, Taint, Toleration } from "kubernetes-types/core/v1";
import type { KubeObject } from "../../api/object";
import { isPodReady, timestamp, type PlannedEvent, type PodObject } from "./controller-utils";
import {
  TAINT_DISK_PRESSURE,
  TAINT_MEMORY_PRESSURE,
  TAINT_NETWORK_UNAVAILABLE,
  TAINT_NOT_READY,
  TAINT_PID_PRESSURE,
  TAINT_UNREACHABLE,
  TAINT_UNSCHEDULABLE,
  sameTaint,
  toleratesTaint,
} from "./node-lifecycle-taints";

export type NodeObject = Node & KubeObject;
export type LeaseObject = Lease & KubeObject;

export const ZONE_LABEL = "topology.kubernetes.io/zone";
export const NODE_LEASE_NAMESPACE = "kube-node-lease";

export interface NodeLifecycleTimings {
  /** Without a heartbeat this long a node is Unknown (--node-monitor-grace-period). Default 40 s. */
  gracePeriodMs: number;
  /** The same for a node that never reported Ready (--node-startup-grace-period). Default 60 s. */
  startupGracePeriodMs: number;
  /** Share of lost nodes from which a zone is in partial disruption. Default 0.55. */
  unhealthyZoneThreshold: number;
}

export const DEFAULT_NODE_LIFECYCLE_TIMINGS: NodeLifecycleTimings = {
  gracePeriodMs: 40_000,
  startupGracePeriodMs: 60_000,
  unhealthyZoneThreshold: 0.55,
};

export type ZoneState = "Normal" | "PartialDisruption" | "FullDisruption";

// ---- heartbeats -------------------------------------------------------------------------

/** What the controller remembers between passes: when it last saw each node's heartbeat move. */
export class HeartbeatTracker {
  private readonly nodes = new Map<string, { signature: string; probeAt: number }>();
  private readonly taintSeen = new Map<string, number>();

  /** Records the node's current heartbeat fields; returns when it was last seen to change. */
  observe(node: NodeObject, lease: LeaseObject | undefined, now: Date): number {
    const name = node.metadata.name ?? "";
    const ready = readyCondition(node);
    // Only the heartbeat fields: the controller's own Unknown write must not look like a heartbeat.
    // (A plain join, not JSON: a pass observes every node, so this runs thousands of times.)
    const signature = `${ready?.lastHeartbeatTime ?? ""}\u0000${lease?.spec?.renewTime ?? ""}\u0000${node.metadata.uid ?? ""}`;
    const seen = this.nodes.get(name);
    if (!seen || seen.signature !== signature) {
      this.nodes.set(name, { signature, probeAt: now.getTime() });
      return now.getTime();
    }
    return seen.probeAt;
  }

  /** When a NoExecute taint without timeAdded was first seen (so tolerationSeconds can run). */
  taintFirstSeen(node: string, taint: Taint, now: Date): number {
    const key = `${node}\u0000${taint.key}\u0000${taint.effect}`;
    let at = this.taintSeen.get(key);
    if (at === undefined) this.taintSeen.set(key, (at = now.getTime()));
    return at;
  }

  /** Drops nodes that no longer exist. */
  retain(names: ReadonlySet<string>): void {
    for (const name of this.nodes.keys()) if (!names.has(name)) this.nodes.delete(name);
    for (const key of this.taintSeen.keys()) if (!names.has(key.split("\u0000")[0])) this.taintSeen.delete(key);
  }
}

export function readyCondition(node: NodeObject): NodeCondition | undefined {
  return (node.status?.conditions ?? []).find((c) => c.type === "Ready");
}

// ---- the plan ---------------------------------------------------------------------------

export interface NodeConditionUpdate {
  node: string;
  /** Only apply if the node's Ready heartbeat is still this (else a heartbeat just arrived). */
  expectHeartbeat?: string;
  conditions: NodeCondition[];
}

export interface NodeTaintUpdate {
  node: string;
  add: Taint[];
  remove: Taint[];
}

export interface NodeLifecyclePlan {
  /** Cluster-wide: FullDisruption only when every zone is fully lost. */
  mode: ZoneState;
  zones: Map<string, ZoneState>;
  conditionUpdates: NodeConditionUpdate[];
  taintUpdates: NodeTaintUpdate[];
  /** Pods on unreachable nodes whose Ready condition must become False. */
  markNotReady: PodObject[];
  evict: { pod: PodObject; message: string }[];
  events: { object: KubeObject; event: PlannedEvent }[];
  requeueAfterMs?: number;
}

export interface NodeLifecycleInput {
  nodes: NodeObject[];
  /** Node leases by node name. */
  leases: Map<string, LeaseObject>;
  /** Pods bound to nodes (spec.nodeName set). */
  pods: PodObject[];
  tracker: HeartbeatTracker;
  now: Date;
  timings?: NodeLifecycleTimings;
}

const PRESSURE_CONDITIONS = ["MemoryPressure", "DiskPressure", "PIDPressure"];
const MANAGED_NO_SCHEDULE = [TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_MEMORY_PRESSURE, TAINT_DISK_PRESSURE, TAINT_PID_PRESSURE, TAINT_NETWORK_UNAVAILABLE, TAINT_UNSCHEDULABLE];

/** Ready and pressure conditions turned Unknown by a controller that lost touch with the node. */
export function unknownConditions(node: NodeObject, now: Date): NodeCondition[] {
  const t = timestamp(now);
  const existing = node.status?.conditions ?? [];
  const out: NodeCondition[] = [];
  for (const type of ["Ready", ...PRESSURE_CONDITIONS]) {
    const c = existing.find((x) => x.type === type);
    if (c?.status === "Unknown") continue;
    out.push(
      c
        ? { ...c, status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status.", lastTransitionTime: t }
        : {
            type,
            status: "Unknown",
            reason: "NodeStatusNeverUpdated",
            message: "Kubelet never posted node status.",
            lastHeartbeatTime: node.metadata.creationTimestamp,
            lastTransitionTime: t,
          },
    );
  }
  return out;
}

/** The NoSchedule taints the conditions and spec.unschedulable call for. */
function wantedNoSchedule(node: NodeObject, ready: string | undefined): string[] {
  const keys: string[] = [];
  if (ready === "False") keys.push(TAINT_NOT_READY);
  if (ready === "Unknown") keys.push(TAINT_UNREACHABLE);
  const cond = (type: string) => (node.status?.conditions ?? []).find((c) => c.type === type)?.status === "True";
  if (cond("MemoryPressure")) keys.push(TAINT_MEMORY_PRESSURE);
  if (cond("DiskPressure")) keys.push(TAINT_DISK_PRESSURE);
  if (cond("PIDPressure")) keys.push(TAINT_PID_PRESSURE);
  if (cond("NetworkUnavailable")) keys.push(TAINT_NETWORK_UNAVAILABLE);
  if (node.spec?.unschedulable) keys.push(TAINT_UNSCHEDULABLE);
  return keys;
}

/** Kubernetes' ComputeZoneState over the Ready status of a zone's nodes. */
export function zoneState(readyStatuses: readonly (string | undefined)[], threshold = DEFAULT_NODE_LIFECYCLE_TIMINGS.unhealthyZoneThreshold): ZoneState {
  const notReady = readyStatuses.filter((s) => s !== "True").length;
  const ready = readyStatuses.length - notReady;
  if (ready === 0 && notReady > 0) return "FullDisruption";
  if (notReady > 2 && notReady / readyStatuses.length >= threshold) return "PartialDisruption";
  return "Normal";
}

/**
 * For each NoExecute taint the first toleration that tolerates it (Kubernetes'
 * GetMatchingTolerations); undefined if some taint is not tolerated.
 */
export function matchingTolerations(taints: readonly Taint[], tolerations: readonly Toleration[] | undefined): (Toleration | undefined)[] | undefined {
  const out: Toleration[] = [];
  for (const taint of taints) {
    const t = (tolerations ?? []).find((x) => toleratesTaint(x, taint));
    if (!t) return undefined;
    out.push(t);
  }
  return out;
}

export function planNodeLifecycle({ nodes, leases, pods, tracker, now, timings = DEFAULT_NODE_LIFECYCLE_TIMINGS }: NodeLifecycleInput): NodeLifecyclePlan {
  const plan: NodeLifecyclePlan = { mode: "Normal", zones: new Map(), conditionUpdates: [], taintUpdates: [], markNotReady: [], evict: [], events: [] };
  const requeue = (ms: number) => {
    plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? Infinity, Math.max(1, Math.ceil(ms)));
  };
  tracker.retain(new Set(nodes.map((n) => n.metadata.name ?? "")));
  const live = nodes.filter((n) => !n.metadata.deletionTimestamp);

  // 1. Heartbeats: which nodes are Unknown now.
  const current = new Map<string, string | undefined>();
  for (const node of live) {
    const name = node.metadata.name ?? "";
    const ready = readyCondition(node);
    const probeAt = tracker.observe(node, leases.get(name), now);
    const grace = ready ? timings.gracePeriodMs : timings.startupGracePeriodMs;
    const expiresAt = probeAt + grace;
    if (now.getTime() > expiresAt) {
      const changes = unknownConditions(node, now);
      if (changes.length > 0) {
        plan.conditionUpdates.push({ node: name, expectHeartbeat: ready?.lastHeartbeatTime, conditions: changes });
        if (ready?.status === "True") {
          plan.events.push({ object: node, event: { type: "Normal", reason: "NodeNotReady", message: `Node ${name} status is now: NodeNotReady` } });
        }
      }
      current.set(name, "Unknown");
    } else {
      current.set(name, ready?.status);
      requeue(expiresAt - now.getTime() + 1);
    }
  }

  // 2. Disruption, per zone.
  const zoneOf = (n: NodeObject) => n.metadata.labels?.[ZONE_LABEL] ?? "";
  const byZone = new Map<string, (string | undefined)[]>();
  for (const node of live) {
    const zone = zoneOf(node);
    let statuses = byZone.get(zone);
    if (!statuses) byZone.set(zone, (statuses = []));
    statuses.push(current.get(node.metadata.name ?? ""));
  }
  for (const [zone, statuses] of byZone) plan.zones.set(zone, zoneState(statuses, timings.unhealthyZoneThreshold));
  const states = [...plan.zones.values()];
  if (states.length > 0 && states.every((s) => s === "FullDisruption")) plan.mode = "FullDisruption";
  else if (states.some((s) => s !== "Normal")) plan.mode = "PartialDisruption";

  // 3. Taints; what each node's NoExecute taints will be, for step 4 (nodes without any are left out).
  const noExecuteAfter = new Map<string, Taint[]>();
  for (const node of live) {
    const name = node.metadata.name ?? "";
    const ready = current.get(name);
    const have = node.spec?.taints ?? [];
    const want: Taint[] = wantedNoSchedule(node, ready).map((key) => ({ key, effect: "NoSchedule" }));
    const zone = plan.zones.get(zoneOf(node));
    const noExecute = ready === "Unknown" ? TAINT_UNREACHABLE : ready === "False" ? TAINT_NOT_READY : undefined;
    const keepNoExecute = (key: string) => have.some((t) => t.key === key && t.effect === "NoExecute");
    if (plan.mode !== "FullDisruption" && noExecute && (zone !== "PartialDisruption" || keepNoExecute(noExecute))) {
      want.push({ key: noExecute, effect: "NoExecute", timeAdded: timestamp(now) });
    }
    const add = want.filter((w) => !have.some((h) => sameTaint(h, w)));
    const remove = have.filter((h) => {
      const managed = h.effect === "NoSchedule" ? MANAGED_NO_SCHEDULE.includes(h.key) : h.effect === "NoExecute" && (h.key === TAINT_NOT_READY || h.key === TAINT_UNREACHABLE);
      return managed && !want.some((w) => sameTaint(h, w));
    });
    if (add.length > 0 || remove.length > 0) plan.taintUpdates.push({ node: name, add, remove });
    const after = [...have.filter((h) => !remove.some((r) => sameTaint(h, r))), ...add].filter((t) => t.effect === "NoExecute");
    if (after.length > 0) noExecuteAfter.set(name, after);
  }

  // 4. Pods: not ready on unreachable nodes; evicted under NoExecute taints. Pods on the other
  // nodes (all of them in a healthy cluster) need nothing, and cost one lookup each.
  for (const pod of pods) {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName || pod.metadata.deletionTimestamp) continue;
    const unknown = current.get(nodeName) === "Unknown";
    const noExecute = noExecuteAfter.get(nodeName);
    if (!unknown && !noExecute) continue;
    const finished = pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
    if (unknown && !finished && isPodReady(pod)) plan.markNotReady.push(pod);
    if (finished || !noExecute) continue;
    const who = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const matched = matchingTolerations(noExecute, pod.spec?.tolerations);
    if (!matched) {
      plan.evict.push({ pod, message: `Marking for deletion Pod ${who}` });
      continue;
    }
    // Evict when the first bounded toleration runs out, counted from its taint's arrival.
    let evictAt = Infinity;
    noExecute.forEach((taint, i) => {
      const seconds = matched[i]?.tolerationSeconds;
      if (seconds === undefined || seconds === null) return;
      const since = Date.parse(taint.timeAdded ?? "");
      const start = Number.isFinite(since) ? since : tracker.taintFirstSeen(nodeName, taint, now);
      evictAt = Math.min(evictAt, start + Math.max(0, seconds) * 1000);
    });
    if (evictAt === Infinity) continue;
    if (evictAt <= now.getTime()) plan.evict.push({ pod, message: `Marking for deletion Pod ${who}` });
    else requeue(evictAt - now.getTime());
  }
  return plan;
}

/** Applies a taint update to the node's current taints (keeping timeAdded of those that stay). */
export function applyTaintUpdate(taints: readonly Taint[] | undefined, update: NodeTaintUpdate): Taint[] {
  const kept = (taints ?? []).filter((t) => !update.remove.some((r) => sameTaint(t, r)));
  for (const t of update.add) if (!kept.some((k) => sameTaint(k, t))) kept.push(t);
  return kept;
}
