// metadata.generation counts changes to the desired state, so controllers can report which
// version they have acted on (status.observedGeneration). Like Kubernetes 1.30, only the
// workload kinds track it; it starts at 1 and grows by one whenever spec changes. Deployments
// also count annotation changes, because annotations are copied onto their ReplicaSets.
// EndpointSlices have no spec: anything outside metadata, or a label change, is a new generation.

import type { KubeObject } from "../object";
import { deepEqual } from "../validation/field";

export const GENERATION_KINDS: ReadonlySet<string> = new Set([
  "Deployment",
  "ReplicaSet",
  "ReplicationController",
  "DaemonSet",
  "StatefulSet",
  "Job",
  "CronJob",
  "EndpointSlice",
]);

/** Whether the update from `prev` to `next` is a new desired state for `kind`. */
export function generationChanged(kind: string, next: KubeObject, prev: KubeObject): boolean {
  if (!GENERATION_KINDS.has(kind)) return false;
  if (kind === "EndpointSlice") {
    const { metadata: nextMeta, ...nextBody } = next;
    const { metadata: prevMeta, ...prevBody } = prev;
    return !deepEqual(nextBody, prevBody) || !deepEqual(nextMeta.labels ?? {}, prevMeta.labels ?? {});
  }
  if (!deepEqual(next.spec, prev.spec)) return true;
  return kind === "Deployment" && !deepEqual(next.metadata.annotations ?? {}, prev.metadata.annotations ?? {});
}
