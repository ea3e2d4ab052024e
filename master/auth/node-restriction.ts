// NodeRestriction admission (Kubernetes' plugin/pkg/admission/noderestriction): the object-level
// half of what a node may write, once the Node authorizer let the verb through.
//
//   - Nodes: only its own; on create no `node-restriction.kubernetes.io/` labels and no
//     kubernetes.io / k8s.io labels beyond the kubelet's own (hostname, os, arch, ...); on update
//     the same labels may not change, nor the taints;
//   - Leases: only its own, in kube-node-lease;
//   - pods: status only of pods bound to it (and not their labels through status); delete and
//     eviction only of pods bound to it; create only of mirror pods (Gantry has none, so never).
//
// Returns why a write is refused (the text after "is forbidden: "), or undefined. Pure: the
// apiserver supplies the objects.

import type { KubeObject } from "../../api/object";
import { NODE_LEASE_NAMESPACE } from "./node-authorizer";
import { nodeNameOf, type User } from "./user";

export type Operation = "create" | "update" | "delete";

export interface AdmissionAttributes {
  user: User;
  operation: Operation;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  /** The object's name (on create, the new object's). */
  name: string;
  /** The object written (create, update). */
  object?: KubeObject;
  /** The stored object (update, delete, eviction's pod). */
  oldObject?: KubeObject;
}

const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";
const NODE_RESTRICTION_LABELS = "node-restriction.kubernetes.io";
const KUBELET_LABELS = new Set([
  "kubernetes.io/hostname",
  "topology.kubernetes.io/zone",
  "topology.kubernetes.io/region",
  "failure-domain.beta.kubernetes.io/zone",
  "failure-domain.beta.kubernetes.io/region",
  "beta.kubernetes.io/instance-type",
  "node.kubernetes.io/instance-type",
  "kubernetes.io/os",
  "kubernetes.io/arch",
  "node.kubernetes.io/windows-build",
  "beta.kubernetes.io/os",
  "beta.kubernetes.io/arch",
]);
const KUBELET_LABEL_NAMESPACES = ["kubelet.kubernetes.io", "node.kubernetes.io"];

export function nodeRestrictionProblem(a: AdmissionAttributes): string | undefined {
  const nodeName = nodeNameOf(a.user);
  if (nodeName === undefined) return undefined;
  if (nodeName === "") return `could not determine node from user "${a.user.name}"`;
  const key = `${a.apiGroup}/${a.resource}`;
  if (key === "/pods") return pod(nodeName, a);
  if (key === "/nodes") return node(nodeName, a);
  if (key === "coordination.k8s.io/leases") return lease(nodeName, a);
  return undefined;
}

function pod(nodeName: string, a: AdmissionAttributes): string | undefined {
  const boundTo = (o: KubeObject | undefined) => (o?.spec as { nodeName?: unknown } | undefined)?.nodeName;
  switch (a.subresource) {
    case "":
      if (a.operation === "create") {
        if (!Object.hasOwn(a.object?.metadata.annotations ?? {}, MIRROR_POD_ANNOTATION)) {
          return `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${nodeName}" can only create mirror pods`;
        }
        return `node "${nodeName}" can only create mirror pods, and Gantry has no static pods`;
      }
      if (a.operation === "delete") {
        return boundTo(a.oldObject) === nodeName ? undefined : `node "${nodeName}" can only delete pods with spec.nodeName set to itself`;
      }
      return `unexpected operation "${a.operation.toUpperCase()}", node "${nodeName}" can only create and delete mirror pods`;
    case "status":
      if (a.operation !== "update") return `unexpected operation "${a.operation.toUpperCase()}"`;
      if (boundTo(a.oldObject) !== nodeName) return `node "${nodeName}" can only update pod status for pods with spec.nodeName set to itself`;
      if (!sameMap(a.oldObject?.metadata.labels, a.object?.metadata.labels)) return `node "${nodeName}" cannot update labels through pod status`;
      return undefined;
    case "eviction":
      return boundTo(a.oldObject) === nodeName ? undefined : `node ${nodeName} can only evict pods with spec.nodeName set to itself`;
    default:
      return `unexpected pod subresource "${a.subresource}", only 'status' and 'eviction' are allowed`;
  }
}

function node(nodeName: string, a: AdmissionAttributes): string | undefined {
  if (a.name !== nodeName) return `node "${nodeName}" is not allowed to modify node "${a.name}"`;
  if (a.operation === "create") {
    const bad = forbiddenLabels(modifiedLabels(a.object?.metadata.labels, undefined));
    return bad.length > 0 ? `node "${nodeName}" is not allowed to set the following labels: ${bad.join(", ")}` : undefined;
  }
  if (a.operation === "update") {
    const taints = (o: KubeObject | undefined) => (o?.spec as { taints?: unknown } | undefined)?.taints ?? [];
    if (JSON.stringify(taints(a.object)) !== JSON.stringify(taints(a.oldObject))) return `node "${nodeName}" is not allowed to modify taints`;
    const bad = forbiddenLabels(modifiedLabels(a.object?.metadata.labels, a.oldObject?.metadata.labels));
    if (bad.length > 0) return `is not allowed to modify labels: ${bad.join(", ")}`;
  }
  return undefined;
}

function lease(nodeName: string, a: AdmissionAttributes): string | undefined {
  if (a.namespace !== NODE_LEASE_NAMESPACE) return `can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`;
  return a.name === nodeName ? undefined : "can only access node lease with the same name as the requesting node";
}

/** Keys added, removed or changed between two label maps, sorted. */
function modifiedLabels(next: Record<string, string> | undefined, prev: Record<string, string> | undefined): string[] {
  const a = next ?? {};
  const b = prev ?? {};
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => a[k] !== b[k]).sort();
}

function forbiddenLabels(keys: string[]): string[] {
  return keys.filter((key) => {
    const ns = labelNamespace(key);
    if (ns === NODE_RESTRICTION_LABELS || ns.endsWith(`.${NODE_RESTRICTION_LABELS}`)) return true;
    return isKubernetesLabel(ns) && !isKubeletLabel(key, ns);
  });
}

function isKubernetesLabel(ns: string): boolean {
  return ns === "kubernetes.io" || ns.endsWith(".kubernetes.io") || ns === "k8s.io" || ns.endsWith(".k8s.io");
}

function isKubeletLabel(key: string, ns: string): boolean {
  return KUBELET_LABELS.has(key) || KUBELET_LABEL_NAMESPACES.some((allowed) => ns === allowed || ns.endsWith(`.${allowed}`));
}

function labelNamespace(key: string): string {
  const slash = key.indexOf("/");
  return slash < 0 ? "" : key.slice(0, slash);
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  return modifiedLabels(a, b).length === 0;
}
