// Keeping the default policy in a cluster current without undoing what admins did: upstream's
// `reconciliation` package (computeReconciledRole / computeReconciledRoleBinding) in its additive
// mode, as kube-apiserver runs it at every start. For one wanted default object and what is
// stored under its name:
//
//   nothing stored                             → create the wanted object
//   annotation autoupdate: "false"             → leave it alone (the admin owns it now)
//   a binding whose roleRef differs            → recreate (roleRef is immutable)
//   otherwise                                  → add what is missing: wanted labels/annotations
//     (stored values win), rules not covered by the stored ones (as one-verb pieces), aggregation
//     selectors, binding subjects; nothing is removed. Already complete → nothing to write.
//
// Any annotation value but "false", or none, lets the reconciler in, as upstream.

import type { LabelSelector } from "kubernetes-types/meta/v1";
import { deepEqual } from "../validation/field";
import { uncoveredRules } from "./covers";
import { AUTOUPDATE_ANNOTATION, type ClusterRole, type ClusterRoleBinding, type Role, type RoleBinding, type Subject } from "./types";

type RoleLike = Role | ClusterRole;
type BindingLike = RoleBinding | ClusterRoleBinding;

/** What to write; "recreate" means delete the stored object and create `object`. */
export type ReconcileAction<T> = { action: "create" | "update" | "recreate"; object: T };

function withMergedMetadata<T extends RoleLike | BindingLike>(existing: T, wanted: T): T {
  const out = structuredClone(existing);
  const meta = (out.metadata ??= {});
  meta.labels = { ...wanted.metadata?.labels, ...existing.metadata?.labels };
  meta.annotations = { ...wanted.metadata?.annotations, ...existing.metadata?.annotations };
  return out;
}

const normalizedMaps = (o: RoleLike | BindingLike): unknown => [o.metadata?.labels ?? {}, o.metadata?.annotations ?? {}];

function missingSelectors(existing: RoleLike, wanted: RoleLike): LabelSelector[] {
  const have = ("aggregationRule" in existing ? existing.aggregationRule?.clusterRoleSelectors : undefined) ?? [];
  const want = ("aggregationRule" in wanted ? wanted.aggregationRule?.clusterRoleSelectors : undefined) ?? [];
  return want.filter((w) => !have.some((h) => deepEqual(h, w)));
}

function reconcileRole<T extends RoleLike>(existing: T, wanted: T): T | undefined {
  const out = withMergedMetadata(existing, wanted);
  let changed = !deepEqual(normalizedMaps(out), normalizedMaps(existing));
  const missing = uncoveredRules(existing.rules ?? [], wanted.rules ?? []);
  if (missing.length > 0) {
    out.rules = [...(existing.rules ?? []), ...missing];
    changed = true;
  }
  const wantedAggregation = "aggregationRule" in wanted ? wanted.aggregationRule : undefined;
  const outRole = out as ClusterRole;
  if (!wantedAggregation && outRole.aggregationRule) {
    // A default that is not aggregated must not gather rules from elsewhere.
    delete outRole.aggregationRule;
    changed = true;
  } else {
    const selectors = missingSelectors(existing, wanted);
    if (selectors.length > 0) {
      outRole.aggregationRule = { clusterRoleSelectors: [...(outRole.aggregationRule?.clusterRoleSelectors ?? []), ...selectors] };
      changed = true;
    }
  }
  return changed ? out : undefined;
}

const sameSubject = (a: Subject, b: Subject): boolean =>
  a.kind === b.kind && (a.apiGroup ?? "") === (b.apiGroup ?? "") && a.name === b.name && (a.namespace ?? "") === (b.namespace ?? "");

function reconcileBinding<T extends BindingLike>(existing: T, wanted: T): ReconcileAction<T> | undefined {
  if (!deepEqual(existing.roleRef, wanted.roleRef)) return { action: "recreate", object: wanted };
  const out = withMergedMetadata(existing, wanted);
  let changed = !deepEqual(normalizedMaps(out), normalizedMaps(existing));
  const missing = (wanted.subjects ?? []).filter((w) => !(existing.subjects ?? []).some((e) => sameSubject(e, w)));
  if (missing.length > 0) {
    out.subjects = [...(existing.subjects ?? []), ...missing];
    changed = true;
  }
  return changed ? { action: "update", object: out } : undefined;
}

/** What to write so the stored object (undefined: none) carries the wanted default; undefined: nothing. */
export function reconcileDefault<T extends RoleLike | BindingLike>(existing: T | undefined, wanted: T): ReconcileAction<T> | undefined {
  if (!existing) return { action: "create", object: structuredClone(wanted) };
  if (existing.metadata?.annotations?.[AUTOUPDATE_ANNOTATION] === "false") return undefined;
  if ("roleRef" in wanted) return reconcileBinding(existing as BindingLike, wanted) as ReconcileAction<T> | undefined;
  const updated = reconcileRole(existing as RoleLike, wanted);
  return updated ? { action: "update", object: updated as T } : undefined;
}
