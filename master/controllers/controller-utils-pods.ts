// Pod facts controllers decide by, with Kubernetes' definitions:
//
//  - active: not finished (phase Succeeded/Failed) and not terminating (no deletionTimestamp).
//    Only active pods count toward a ReplicaSet's replicas;
//  - ready: the Ready condition is True (the agent writes it from readiness probes);
//  - available: ready for at least minReadySeconds, measured from the Ready condition's
//    lastTransitionTime against the caller's clock.
//
// Plus building a pod from a controller's template (GetPodFromTemplate).

import type { Pod, PodCondition, PodTemplateSpec } from "kubernetes-types/core/v1";
import type { KubeObject, OwnerReference } from "../../api/object";

export type PodObject = Pod & KubeObject;

function phaseOf(pod: KubeObject): string | undefined {
  return (pod.status as { phase?: string } | undefined)?.phase;
}

/** Not finished and not being deleted. */
export function isPodActive(pod: KubeObject): boolean {
  const phase = phaseOf(pod);
  return phase !== "Succeeded" && phase !== "Failed" && pod.metadata.deletionTimestamp === undefined;
}

export function isPodTerminating(pod: KubeObject): boolean {
  return pod.metadata.deletionTimestamp !== undefined;
}

export function podReadyCondition(pod: KubeObject): PodCondition | undefined {
  const conditions = (pod.status as { conditions?: PodCondition[] } | undefined)?.conditions ?? [];
  return conditions.find((c) => c.type === "Ready");
}

export function isPodReady(pod: KubeObject): boolean {
  return podReadyCondition(pod)?.status === "True";
}

/** Milliseconds since the pod became ready, or undefined when not ready / time unknown. */
export function readyForMs(pod: KubeObject, now: Date): number | undefined {
  const c = podReadyCondition(pod);
  if (c?.status !== "True" || !c.lastTransitionTime) return undefined;
  const since = Date.parse(c.lastTransitionTime);
  return Number.isNaN(since) ? undefined : now.getTime() - since;
}

/**
 * Ready for at least `minReadySeconds`. With 0 every ready pod is available; a ready pod whose
 * transition time is unknown is never available when minReadySeconds > 0 (as upstream).
 */
export function isPodAvailable(pod: KubeObject, minReadySeconds: number, now: Date): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const ms = readyForMs(pod, now);
  return ms !== undefined && ms > minReadySeconds * 1000;
}

/**
 * How long until the next ready-but-not-yet-available pod becomes available, in ms (plus a
 * small margin), or undefined when none is waiting. Controllers requeue after this.
 */
export function msUntilNextAvailable(pods: readonly KubeObject[], minReadySeconds: number, now: Date): number | undefined {
  if (minReadySeconds <= 0) return undefined;
  let next: number | undefined;
  for (const pod of pods) {
    const ms = readyForMs(pod, now);
    if (ms === undefined || ms > minReadySeconds * 1000) continue;
    const wait = minReadySeconds * 1000 - ms + 1;
    next = next === undefined ? wait : Math.min(next, wait);
  }
  return next;
}

/**
 * A pod for `template`, owned by `ref`, named `<prefix><5 random chars>` by the apiserver
 * (generateName). Labels, annotations and finalizers come from the template.
 */
export function podFromTemplate(template: PodTemplateSpec, namespace: string, generateNamePrefix: string, ref: OwnerReference): KubeObject {
  const meta = template.metadata ?? {};
  const metadata: KubeObject["metadata"] = {
    generateName: generateNamePrefix,
    namespace,
    ownerReferences: [{ ...ref }],
  };
  if (meta.labels) metadata.labels = { ...meta.labels };
  if (meta.annotations) metadata.annotations = { ...meta.annotations };
  if (meta.finalizers) metadata.finalizers = [...meta.finalizers];
  return { apiVersion: "v1", kind: "Pod", metadata, spec: structuredClone(template.spec ?? {}) };
}

/** The generateName prefix of a controller's pods: `<name>-`. */
export function podNamePrefix(controllerName: string): string {
  return `${controllerName}-`;
}
