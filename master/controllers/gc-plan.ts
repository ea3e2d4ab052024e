// The garbage collector's decisions, without I/O (kube-controller-manager's garbagecollector:
// attemptToDeleteItem, processDeletingDependentsItem, orphanDependents).
//
// A *dependent* is any object with ownerReferences. Each owner reference is classified:
//   dangling  the owner is gone, or the name now belongs to an object with another uid;
//   waiting   the owner exists and is being deleted in the foreground (deletionTimestamp +
//             the `foregroundDeletion` finalizer): it waits for its dependents to go;
//   solid     the owner exists (or is of a kind we cannot look up: never collect on a guess).
// Then:
//   some solid owner left         -> drop the dangling and waiting references, keep the object;
//   waiting owners, and the object has dependents of its own
//                                 -> delete it in the foreground too (the chain unwinds leaf first);
//   otherwise (all dangling/waiting) -> delete it, propagating as its own finalizers ask
//                                    (orphan -> Orphan, foregroundDeletion -> Foreground,
//                                    else Background).
//
// An *owner* being deleted with a propagation finalizer:
//   `orphan`              -> remove its references from every dependent, then the finalizer;
//   `foregroundDeletion`  -> delete every dependent (via the rules above); remove the finalizer
//                            once no dependent with blockOwnerDeletion=true is left.

import type { KubeObject, OwnerReference } from "../../api/object";

export const ORPHAN_FINALIZER = "orphan";
export const FOREGROUND_FINALIZER = "foregroundDeletion";

export type OwnerState = { kind: "present"; owner: KubeObject } | { kind: "absent" } | { kind: "unknown" };

export interface ClassifiedOwners {
  solid: OwnerReference[];
  dangling: OwnerReference[];
  waiting: OwnerReference[];
}

export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return (obj.metadata.finalizers ?? []).includes(finalizer);
}

/** Being deleted in the foreground: it waits for its dependents. */
export function isDeletingDependents(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined && hasFinalizer(obj, FOREGROUND_FINALIZER);
}

/** `states[i]` is what a lookup found for `refs[i]`. */
export function classifyOwners(refs: readonly OwnerReference[], states: readonly OwnerState[]): ClassifiedOwners {
  const out: ClassifiedOwners = { solid: [], dangling: [], waiting: [] };
  refs.forEach((ref, i) => {
    const s = states[i];
    if (s.kind === "unknown") out.solid.push(ref);
    else if (s.kind === "absent" || s.owner.metadata.uid !== ref.uid) out.dangling.push(ref);
    else if (isDeletingDependents(s.owner)) out.waiting.push(ref);
    else out.solid.push(ref);
  });
  return out;
}

export type DependentAction =
  | { action: "none" }
  | { action: "removeOwnerRefs"; uids: string[] }
  | { action: "delete"; propagationPolicy: "Background" | "Foreground" | "Orphan" };

/** Whether the collector should look at this dependent at all. */
export function needsAttention(dep: KubeObject): boolean {
  // Already going away: if in the foreground, it is handled as an owner (decideOwner).
  return (dep.metadata.ownerReferences ?? []).length > 0 && !dep.metadata.deletionTimestamp;
}

export function decideDependent(dep: KubeObject, owners: ClassifiedOwners, hasDependents: boolean): DependentAction {
  if (!needsAttention(dep)) return { action: "none" };
  if (owners.solid.length > 0) {
    const drop = [...owners.dangling, ...owners.waiting].map((r) => r.uid);
    return drop.length > 0 ? { action: "removeOwnerRefs", uids: drop } : { action: "none" };
  }
  if (owners.waiting.length > 0 && hasDependents) return { action: "delete", propagationPolicy: "Foreground" };
  if (hasFinalizer(dep, ORPHAN_FINALIZER)) return { action: "delete", propagationPolicy: "Orphan" };
  if (hasFinalizer(dep, FOREGROUND_FINALIZER)) return { action: "delete", propagationPolicy: "Foreground" };
  return { action: "delete", propagationPolicy: "Background" };
}

export type OwnerAction =
  | { action: "none" }
  /** Remove the references to the owner from these dependents, then the `orphan` finalizer. */
  | { action: "orphan"; dependents: KubeObject[] }
  /** Have these dependents collected; the owner waits for the blocking ones. */
  | { action: "deleteDependents"; dependents: KubeObject[] }
  | { action: "removeFinalizer"; finalizer: string };

/** `dependents`: the objects that currently reference the owner's uid. */
export function decideOwner(owner: KubeObject, dependents: readonly KubeObject[]): OwnerAction {
  if (!owner.metadata.deletionTimestamp) return { action: "none" };
  const uid = owner.metadata.uid;
  const referencing = dependents.filter((d) => (d.metadata.ownerReferences ?? []).some((r) => r.uid === uid));
  if (hasFinalizer(owner, ORPHAN_FINALIZER)) {
    return referencing.length > 0 ? { action: "orphan", dependents: referencing } : { action: "removeFinalizer", finalizer: ORPHAN_FINALIZER };
  }
  if (hasFinalizer(owner, FOREGROUND_FINALIZER)) {
    const blocking = referencing.filter((d) => (d.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion === true));
    if (blocking.length === 0) return { action: "removeFinalizer", finalizer: FOREGROUND_FINALIZER };
    return { action: "deleteDependents", dependents: referencing };
  }
  return { action: "none" };
}
