// Which pod updates Pod Security looks at again (upstream's isSignificantPodUpdate): only
// changes that could make a running pod less safe. Pod validation allows little to change —
// images, ephemeral containers, the old seccomp annotations — so label or status edits of a
// pod admitted under an older policy are not refused.

import { arr, obj, str, type Obj } from "../../api/validation/json";

const POD_SECCOMP_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod";
const CONTAINER_SECCOMP_PREFIX = "container.seccomp.security.alpha.kubernetes.io/";

function annotation(pod: Obj, key: string): string {
  return str(obj(obj(pod.metadata).annotations)[key]);
}

function containerChanged(next: Obj, prev: Obj, pod: Obj, oldPod: Obj): boolean {
  if (str(next.image) !== str(prev.image)) return true;
  const key = CONTAINER_SECCOMP_PREFIX + str(next.name);
  return annotation(pod, key) !== annotation(oldPod, key);
}

export function isSignificantPodUpdate(pod: Obj, oldPod: Obj): boolean {
  if (annotation(pod, POD_SECCOMP_ANNOTATION) !== annotation(oldPod, POD_SECCOMP_ANNOTATION)) return true;
  const spec = obj(pod.spec);
  const oldSpec = obj(oldPod.spec);
  for (const list of ["containers", "initContainers"]) {
    const next = arr(spec[list]).map(obj);
    const prev = arr(oldSpec[list]).map(obj);
    if (next.length !== prev.length) return true;
    if (next.some((c, i) => containerChanged(c, prev[i], pod, oldPod))) return true;
  }
  const oldEphemeral = new Map(arr(oldSpec.ephemeralContainers).map(obj).map((c) => [str(c.name), c]));
  return arr(spec.ephemeralContainers).map(obj).some((c) => {
    const old = oldEphemeral.get(str(c.name));
    return old === undefined || containerChanged(c, old, pod, oldPod);
  });
}
