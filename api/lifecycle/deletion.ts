// Deletion in two steps, as in Kubernetes. A delete first marks the object (deletionTimestamp =
// now + grace period); the object is removed only once nothing holds it: no finalizers left and
// no grace period still running. Pods get a grace period so the agent can stop containers; a
// repeated delete may only shorten it. Everything else is marked with grace 0.

import type { KubeObject } from "../object";
import { isObj } from "../validation/json";
import { formatTimestamp } from "./context";

/**
 * The grace period a delete gets (Kubernetes' pod CheckGracefulDelete): the requested value, else
 * the pod's terminationGracePeriodSeconds; 0 for pods never scheduled or already finished, and
 * for every other kind. Negative requests mean "as soon as possible" and become 1.
 */
export function deletionGracePeriod(kind: string, obj: KubeObject, requested?: number): number {
  if (kind !== "Pod") return 0;
  const spec = isObj(obj.spec) ? obj.spec : {};
  const status = isObj(obj.status) ? obj.status : {};
  let period = requested ?? (typeof spec.terminationGracePeriodSeconds === "number" ? spec.terminationGracePeriodSeconds : 0);
  if (typeof spec.nodeName !== "string" || spec.nodeName === "") period = 0;
  if (status.phase === "Failed" || status.phase === "Succeeded") period = 0;
  return period < 0 ? 1 : period;
}

/**
 * A copy of `obj` marked for deletion at `now` with `gracePeriodSeconds`. A second delete of an
 * object already marked may shorten the grace period, never extend it. Marking bumps a tracked
 * generation once, and moves a Namespace to phase Terminating.
 */
export function markForDeletion(obj: KubeObject, now: Date, gracePeriodSeconds: number): KubeObject {
  const out = structuredClone(obj);
  const meta = out.metadata;
  const grace = Math.max(0, Math.floor(gracePeriodSeconds));
  if (meta.deletionTimestamp) {
    const current = meta.deletionGracePeriodSeconds;
    if (current === undefined || current === 0 || grace >= current) return out;
    const base = Date.parse(meta.deletionTimestamp) - current * 1000;
    meta.deletionTimestamp = formatTimestamp(new Date(base + grace * 1000));
    meta.deletionGracePeriodSeconds = grace;
    return out;
  }
  meta.deletionTimestamp = formatTimestamp(new Date(now.getTime() + grace * 1000));
  meta.deletionGracePeriodSeconds = grace;
  if (typeof meta.generation === "number" && meta.generation > 0) meta.generation += 1;
  if (out.kind === "Namespace") out.status = { ...(isObj(out.status) ? out.status : {}), phase: "Terminating" };
  return out;
}

/** True when a marked (or unmarked) object may leave storage now: no finalizers, no grace left. */
export function canDeleteNow(obj: KubeObject): boolean {
  const finalizers = obj.metadata.finalizers ?? [];
  return finalizers.length === 0 && (obj.metadata.deletionGracePeriodSeconds ?? 0) === 0;
}

export function hasFinalizer(obj: KubeObject, name: string): boolean {
  return (obj.metadata.finalizers ?? []).includes(name);
}

/** A copy with `name` appended to the finalizers (unchanged if present). */
export function addFinalizer(obj: KubeObject, name: string): KubeObject {
  const out = structuredClone(obj);
  if (!hasFinalizer(out, name)) out.metadata.finalizers = [...(out.metadata.finalizers ?? []), name];
  return out;
}

/** A copy without `name` in the finalizers; the field disappears when the list empties. */
export function removeFinalizer(obj: KubeObject, name: string): KubeObject {
  const out = structuredClone(obj);
  const rest = (out.metadata.finalizers ?? []).filter((f) => f !== name);
  if (rest.length > 0) out.metadata.finalizers = rest;
  else delete out.metadata.finalizers;
  return out;
}
