// When a namespace's enforce label gets stricter, the pods already in it are not touched, but the
// client is told which would now be refused (upstream's EvaluatePodsInNamespace): one warning
// line per distinct set of reasons, naming the first pod (by name) and how many others share it.

import { formatLevelVersion, type LevelVersion } from "../../api/pod-security/levels";
import { evaluatePod, forbiddenReasons } from "../../api/pod-security/registry";
import { obj, str } from "../../api/validation/json";
import type { PodSecurityEnvironment } from "./admission";

/** Upstream checks at most this many pods per label change. */
export const MAX_PODS_TO_CHECK = 3000;

export async function evaluatePodsInNamespace(env: PodSecurityEnvironment, namespace: string, enforce: LevelVersion): Promise<string[]> {
  let pods;
  try {
    pods = await env.listPods(namespace);
  } catch {
    return ["failed to list pods while checking new PodSecurity enforce level"];
  }
  const checked = pods.slice(0, MAX_PODS_TO_CHECK);
  /** reasons → the lexically first pod name and how many pods share them, in first-seen order. */
  const byReasons = new Map<string, { first: string; count: number }>();
  for (const pod of checked) {
    const spec = obj(pod.spec);
    const runtimeClass = str(spec.runtimeClassName);
    if (runtimeClass !== "" && env.config.exemptions.runtimeClasses.includes(runtimeClass)) continue;
    const e = evaluatePod(enforce, obj(pod.metadata), spec);
    if (e.allowed) continue;
    const reasons = forbiddenReasons(e);
    const name = pod.metadata.name ?? "";
    const seen = byReasons.get(reasons);
    if (!seen) byReasons.set(reasons, { first: name, count: 1 });
    else {
      seen.count++;
      if (name < seen.first) seen.first = name;
    }
  }
  const warnings: string[] = [];
  if (checked.length < pods.length) warnings.push(`new PodSecurity enforce level only checked against the first ${checked.length} of ${pods.length} existing pods`);
  if (byReasons.size > 0) warnings.push(`existing pods in namespace "${namespace}" violate the new PodSecurity enforce level "${formatLevelVersion(enforce)}"`);
  const perPod = [...byReasons].map(([reasons, { first, count }]) => {
    if (count === 1) return `${first}: ${reasons}`;
    return `${first} (and ${count - 1} other ${count === 2 ? "pod" : "pods"}): ${reasons}`;
  });
  return [...warnings, ...perPod.sort()];
}
