// Everything the plugins need from a pod, computed once when the pod enters the scheduler rather
// than once per node (Kubernetes computes the same in PreFilter): effective requests, host ports,
// tolerations, node selector and required node affinity.

import { isJsonObject, type JsonObject, type KubeObject } from "../../api/object";
import { objectKey } from "../../api/object-key";
import { compileNodeSelector, type NodeMatcher } from "./node-selector";
import { podRequests, type Resources } from "./resources";
import { parseTolerations, type Toleration } from "./taints";

export interface HostPort {
  /** "0.0.0.0" when the container port names no hostIP (it then conflicts with every IP). */
  readonly ip: string;
  readonly protocol: string;
  readonly port: number;
}

export interface PodInfo {
  /** "<namespace>/<name>". */
  readonly key: string;
  readonly pod: KubeObject;
  readonly priority: number;
  /** What filtering counts: the effective request. */
  readonly requests: Resources;
  /** What scoring counts: the effective request with defaults for missing cpu/memory. */
  readonly nonZeroRequests: Resources;
  readonly hostPorts: readonly HostPort[];
  readonly tolerations: readonly Toleration[];
  /** spec.nodeName, "" when unset. */
  readonly nodeName: string;
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly requiredAffinity?: NodeMatcher;
  /** spec.preemptionPolicy, "PreemptLowerPriority" unless the pod says "Never". */
  readonly preemptionPolicy: string;
  /** Whether any filter looks at node names or labels for this pod (see Snapshot.candidatesFor). */
  readonly readsNodeIdentity: boolean;
  /**
   * Equal for pods that the node-only filters (cordon, node name, taints, selector, affinity)
   * cannot tell apart: node name, node selector, required node affinity and tolerations.
   */
  readonly equivalenceKey: string;
}

/** A pod's cache key, namespace/name (api/object-key.ts). */
export function podKey(pod: KubeObject): string {
  return objectKey(pod);
}

export function podSpec(pod: KubeObject): JsonObject {
  return isJsonObject(pod.spec) ? pod.spec : {};
}

function hostPorts(spec: JsonObject): HostPort[] {
  const out: HostPort[] = [];
  for (const c of Array.isArray(spec.containers) ? spec.containers : []) {
    if (!isJsonObject(c) || !Array.isArray(c.ports)) continue;
    for (const p of c.ports) {
      if (!isJsonObject(p) || typeof p.hostPort !== "number" || p.hostPort <= 0) continue;
      out.push({
        ip: typeof p.hostIP === "string" && p.hostIP !== "" ? p.hostIP : "0.0.0.0",
        protocol: typeof p.protocol === "string" && p.protocol !== "" ? p.protocol : "TCP",
        port: p.hostPort,
      });
    }
  }
  return out;
}

function stringMap(value: unknown): Record<string, string> | undefined {
  if (!isJsonObject(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) out[k] = typeof v === "string" ? v : String(v);
  return Object.keys(out).length > 0 ? out : undefined;
}

function requiredAffinityTerm(spec: JsonObject): unknown {
  const affinity = isJsonObject(spec.affinity) ? spec.affinity : {};
  const nodeAffinity = isJsonObject(affinity.nodeAffinity) ? affinity.nodeAffinity : {};
  return nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
}

function equivalenceKey(nodeName: string, nodeSelector: Record<string, string> | undefined, affinityTerm: unknown, tolerations: readonly Toleration[]): string {
  const selector = nodeSelector ? Object.entries(nodeSelector).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : null;
  return JSON.stringify([nodeName, selector, affinityTerm ?? null, tolerations]);
}

export function newPodInfo(pod: KubeObject): PodInfo {
  const spec = podSpec(pod);
  const nodeName = typeof spec.nodeName === "string" ? spec.nodeName : "";
  const nodeSelector = stringMap(spec.nodeSelector);
  const affinityTerm = requiredAffinityTerm(spec);
  const affinity = compileNodeSelector(affinityTerm);
  const tolerations = parseTolerations(spec.tolerations);
  return {
    key: podKey(pod),
    pod,
    priority: typeof spec.priority === "number" ? spec.priority : 0,
    requests: podRequests(spec),
    nonZeroRequests: podRequests(spec, true),
    hostPorts: hostPorts(spec),
    tolerations,
    nodeName,
    nodeSelector,
    requiredAffinity: affinity,
    preemptionPolicy: spec.preemptionPolicy === "Never" ? "Never" : "PreemptLowerPriority",
    readsNodeIdentity: nodeName !== "" || nodeSelector !== undefined || affinity !== undefined,
    equivalenceKey: equivalenceKey(nodeName, nodeSelector, affinityTerm, tolerations),
  };
}
