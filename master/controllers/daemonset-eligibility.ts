// Which nodes a DaemonSet's pod belongs on, and the pod it puts there (Kubernetes'
// NodeShouldRunDaemonPod, ReplaceDaemonSetPodNodeNameNodeAffinity, AddOrUpdateDaemonPodTolerations).
//
// A node is judged by the pod the DaemonSet would create for it — template plus the daemon
// tolerations — against the node's name, labels (nodeSelector, required node affinity) and
// NoSchedule/NoExecute taints. Resources are not checked: the scheduler does that when it
// places the pod, as on Kubernetes since 1.12. Pure functions.

import type { NodeSelectorRequirement, NodeSelectorTerm, Node, PodSpec, Toleration, Affinity } from "kubernetes-types/core/v1";
import {
  TAINT_DISK_PRESSURE,
  TAINT_MEMORY_PRESSURE,
  TAINT_NETWORK_UNAVAILABLE,
  TAINT_NOT_READY,
  TAINT_PID_PRESSURE,
  TAINT_UNREACHABLE,
  TAINT_UNSCHEDULABLE,
  untoleratedTaints,
} from "./node-lifecycle-taints";

export interface NodeVerdict {
  /** A daemon pod should be created here if there is none. */
  shouldRun: boolean;
  /** A daemon pod already here may stay (false once an untolerated NoExecute taint appears). */
  shouldContinueRunning: boolean;
  /** Why not, for logs and tests. */
  reason?: string;
}

/** The tolerations every daemon pod gets, so node trouble never evicts or blocks it. */
export function daemonTolerations(spec: PodSpec): Toleration[] {
  const wanted: Toleration[] = [
    { key: TAINT_NOT_READY, operator: "Exists", effect: "NoExecute" },
    { key: TAINT_UNREACHABLE, operator: "Exists", effect: "NoExecute" },
    { key: TAINT_DISK_PRESSURE, operator: "Exists", effect: "NoSchedule" },
    { key: TAINT_MEMORY_PRESSURE, operator: "Exists", effect: "NoSchedule" },
    { key: TAINT_PID_PRESSURE, operator: "Exists", effect: "NoSchedule" },
    { key: TAINT_UNSCHEDULABLE, operator: "Exists", effect: "NoSchedule" },
  ];
  if (spec.hostNetwork) wanted.push({ key: TAINT_NETWORK_UNAVAILABLE, operator: "Exists", effect: "NoSchedule" });
  const result = [...(spec.tolerations ?? [])];
  for (const t of wanted) {
    // Same key, operator and effect: replace (this drops a tolerationSeconds the user set).
    const i = result.findIndex((x) => x.key === t.key && (x.operator ?? "Equal") === t.operator && x.effect === t.effect);
    if (i >= 0) result[i] = t;
    else result.push(t);
  }
  return result;
}

/** Required node affinity pinning the pod to one node by name, as the DaemonSet controller writes it. */
export function pinToNode(affinity: Affinity | undefined, nodeName: string): Affinity {
  const term: NodeSelectorTerm = { matchFields: [{ key: "metadata.name", operator: "In", values: [nodeName] }] };
  const result: Affinity = structuredClone(affinity ?? {});
  const nodeAffinity = (result.nodeAffinity ??= {});
  nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [term] };
  return result;
}

/** The node a daemon pod is meant for: its nodeName, else the node its affinity pins it to. */
export function targetNodeName(spec: PodSpec | undefined): string | undefined {
  if (spec?.nodeName) return spec.nodeName;
  for (const term of spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === "metadata.name" && f.operator === "In" && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

function requirementMatches(req: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case "In":
      return value !== undefined && values.includes(value);
    case "NotIn":
      return value === undefined || !values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      if (value === undefined || values.length !== 1 || !/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0])) return false;
      const [have, bound] = [BigInt(value), BigInt(values[0])];
      return req.operator === "Gt" ? have > bound : have < bound;
    }
    default:
      return false;
  }
}

/** One term: all its expressions and fields hold; a term with neither matches nothing. */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  if (!exprs.every((r) => requirementMatches(r, Object.hasOwn(labels, r.key) ? labels[r.key] : undefined))) return false;
  return fields.every((r) => r.key === "metadata.name" && requirementMatches(r, node.metadata?.name));
}

/** nodeSelector and required node affinity (terms are ORed). */
export function nodeMatchesPodSelectors(spec: PodSpec, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms === undefined) return true;
  return terms.some((t) => nodeSelectorTermMatches(t, node));
}

/** Whether the DaemonSet with pod template `spec` belongs on `node`. */
export function nodeShouldRunDaemonPod(spec: PodSpec, node: Node): NodeVerdict {
  const name = node.metadata?.name ?? "";
  if (spec.nodeName && spec.nodeName !== name) return { shouldRun: false, shouldContinueRunning: false, reason: `template pins node ${spec.nodeName}` };
  if (!nodeMatchesPodSelectors(spec, node)) return { shouldRun: false, shouldContinueRunning: false, reason: "node selector or affinity does not match" };
  const tolerations = daemonTolerations(spec);
  const taints = node.spec?.taints;
  const noExecute = untoleratedTaints(taints, tolerations, ["NoExecute"]);
  if (noExecute.length > 0) return { shouldRun: false, shouldContinueRunning: false, reason: `untolerated taint ${noExecute[0].key}:NoExecute` };
  const noSchedule = untoleratedTaints(taints, tolerations, ["NoSchedule"]);
  if (noSchedule.length > 0) return { shouldRun: false, shouldContinueRunning: true, reason: `untolerated taint ${noSchedule[0].key}:NoSchedule` };
  return { shouldRun: true, shouldContinueRunning: true };
}
