// maxSurge and maxUnavailable: how far a RollingUpdate may go above and below spec.replicas.
// Both are an int or a percentage of spec.replicas; a percentage rounds *up* for surge and
// *down* for unavailable, and when both come out 0, unavailable becomes 1 so a rollout can
// always move (Kubernetes' ResolveFenceposts).

import type { Deployment } from "kubernetes-types/apps/v1";

/** An int-or-percent against `total`; a malformed value counts as 0 (validation refuses them). */
export function scaledValue(value: number | string | undefined, total: number, roundUp: boolean): number {
  if (value === undefined) return 0;
  if (typeof value === "number") return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) return /^\d+$/.test(value) ? Number(value) : 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, desired, true);
  let unavailable = scaledValue(maxUnavailable, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function isRollingUpdate(d: Pick<Deployment, "spec">): boolean {
  return (d.spec?.strategy?.type ?? "RollingUpdate") === "RollingUpdate";
}

function fenceposts(d: Pick<Deployment, "spec">): { surge: number; unavailable: number } {
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  return resolveFenceposts(ru.maxSurge ?? "25%", ru.maxUnavailable ?? "25%", d.spec?.replicas ?? 1);
}

/** Pods allowed above spec.replicas (0 for Recreate). */
export function maxSurge(d: Pick<Deployment, "spec">): number {
  return isRollingUpdate(d) ? fenceposts(d).surge : 0;
}

/** Pods allowed to be unavailable (0 for Recreate or no replicas; never above spec.replicas). */
export function maxUnavailable(d: Pick<Deployment, "spec">): number {
  const replicas = d.spec?.replicas ?? 1;
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  return Math.min(fenceposts(d).unavailable, replicas);
}
