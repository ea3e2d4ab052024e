// Where a pod spec lives in each kind Pod Security looks at (upstream's
// DefaultPodSpecExtractor): the Pod itself, or the pod template of a workload.

import { isObj, obj, type Obj } from "../validation/json";

/** The path to the pod template, by `group/plural` ("" for pods themselves). */
const TEMPLATE_PATHS: Record<string, readonly string[]> = {
  "/pods": [],
  "/podtemplates": ["template"],
  "/replicationcontrollers": ["spec", "template"],
  "apps/replicasets": ["spec", "template"],
  "apps/deployments": ["spec", "template"],
  "apps/daemonsets": ["spec", "template"],
  "apps/statefulsets": ["spec", "template"],
  "batch/jobs": ["spec", "template"],
  "batch/cronjobs": ["spec", "jobTemplate", "spec", "template"],
};

/** Whether objects of this resource carry a pod spec Pod Security evaluates. */
export function hasPodSpec(group: string, plural: string): boolean {
  return `${group}/${plural}` in TEMPLATE_PATHS;
}

export interface PodSpecView {
  metadata: Obj;
  spec: Obj;
}

/** The pod metadata and spec of `object`, or undefined when it has no template (an optional one left out). */
export function podSpecOf(group: string, plural: string, object: Obj): PodSpecView | undefined {
  const path = TEMPLATE_PATHS[`${group}/${plural}`];
  if (!path) return undefined;
  let template: unknown = object;
  for (const step of path) template = isObj(template) ? template[step] : undefined;
  if (!isObj(template)) return undefined;
  return { metadata: obj(template.metadata), spec: obj(template.spec) };
}
