// Binding a pod to a node (Kubernetes' BindingREST and assignPod): the one write that may set
// spec.nodeName. Refused for a pod being deleted or already bound; marks PodScheduled=True.

import { isJsonObject, type KubeObject } from "../object";
import { formatTimestamp } from "./context";

/** The bound copy of `pod`, or why binding is refused (Kubernetes' 409 wording). */
export function bindPod(pod: KubeObject, nodeName: string, now: Date): { pod: KubeObject } | { refused: string } {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const name = pod.metadata.name ?? "";
  if (pod.metadata.deletionTimestamp) return { refused: "pod is being deleted, cannot be assigned to a host" };
  if (typeof spec.nodeName === "string" && spec.nodeName !== "") return { refused: `pod ${name} is already assigned to node "${spec.nodeName}"` };
  const status = isJsonObject(pod.status) ? pod.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions.filter((c) => !(isJsonObject(c) && c.type === "PodScheduled")) : [];
  conditions.push({ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: formatTimestamp(now) });
  return { pod: { ...pod, spec: { ...spec, nodeName }, status: { ...status, conditions } } };
}
