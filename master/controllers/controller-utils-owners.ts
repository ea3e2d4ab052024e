// Owner references, the way Kubernetes controllers use them:
//
//  - an object has at most one *controller* reference (`controller: true`): the object that
//    manages it (a Pod's ReplicaSet, a ReplicaSet's Deployment, a Job's CronJob);
//  - controllers create their objects with a controller reference that also sets
//    `blockOwnerDeletion: true`, so a foreground delete of the owner waits for them;
//  - claiming (ControllerRefManager in kube-controller-manager): a controller *owns* the
//    objects whose controller reference is its uid and that its selector still matches; it
//    *adopts* orphans (no controller reference) that its selector matches, and *releases* the
//    objects it owns that its selector no longer matches. A controller being deleted neither
//    adopts nor releases. Objects controlled by someone else are left alone.
//
// `planClaims` is the pure decision; `adopt` and `release` do the writes.

import { ApiError } from "../../api/errors";
import type { KubeObject, OwnerReference } from "../../api/object";
import type { ResourceClient } from "../registry/internal-client";

/** The controller reference of `obj`, if any. */
export function controllerRef(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** Whether `owner` (by uid) is the controller of `obj`. */
export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  const ref = controllerRef(obj);
  return ref !== undefined && owner.metadata.uid !== undefined && ref.uid === owner.metadata.uid;
}

/** A controller reference to `owner`, as controllers write it on the objects they create. */
export function newControllerRef(owner: KubeObject, gvk: { apiVersion: string; kind: string }): OwnerReference {
  return {
    apiVersion: gvk.apiVersion,
    kind: gvk.kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Whether any owner reference of `obj` points at `uid`. */
export function hasOwnerRef(obj: KubeObject, uid: string): boolean {
  return (obj.metadata.ownerReferences ?? []).some((r) => r.uid === uid);
}

/** A copy of `obj` without the owner references to `uids` (ownerReferences dropped when empty). */
export function withoutOwnerRefs(obj: KubeObject, uids: ReadonlySet<string> | readonly string[]): KubeObject {
  const drop = uids instanceof Set ? uids : new Set(uids as readonly string[]);
  const refs = (obj.metadata.ownerReferences ?? []).filter((r) => !drop.has(r.uid));
  const metadata = { ...obj.metadata, ownerReferences: refs.length > 0 ? refs : undefined };
  if (metadata.ownerReferences === undefined) delete metadata.ownerReferences;
  return { ...obj, metadata };
}

export interface ClaimPlan<T extends KubeObject> {
  /** Already controlled by the controller and matching: keep. */
  owned: T[];
  /** Orphans the controller should adopt. */
  adopt: T[];
  /** Controlled by the controller but no longer matching: release. */
  release: T[];
}

/**
 * Sorts `candidates` (objects in the controller's namespace) into owned / adopt / release.
 * Objects being deleted are never adopted.
 */
export function planClaims<T extends KubeObject>(controller: KubeObject, matches: (obj: T) => boolean, candidates: readonly T[]): ClaimPlan<T> {
  const plan: ClaimPlan<T> = { owned: [], adopt: [], release: [] };
  const deleting = controller.metadata.deletionTimestamp !== undefined;
  for (const obj of candidates) {
    if (obj.metadata.namespace !== controller.metadata.namespace) continue;
    const ref = controllerRef(obj);
    if (ref) {
      if (ref.uid !== controller.metadata.uid) continue;
      if (matches(obj)) plan.owned.push(obj);
      else if (!deleting) plan.release.push(obj);
      continue;
    }
    if (deleting || obj.metadata.deletionTimestamp || !matches(obj)) continue;
    plan.adopt.push(obj);
  }
  return plan;
}

/**
 * Adopts `obj`: adds a controller reference to `owner` unless the object has meanwhile gained a
 * controller, started terminating, or disappeared. Returns the adopted object, or undefined.
 * Callers first check that the owner itself still exists and is not being deleted (a fresh read,
 * not a cache), as Kubernetes' canAdopt does.
 */
export async function adopt(client: ResourceClient, owner: KubeObject, gvk: { apiVersion: string; kind: string }, obj: KubeObject): Promise<KubeObject | undefined> {
  let adopted: KubeObject | undefined;
  try {
    await client.update(obj.metadata.namespace, obj.metadata.name!, (current) => {
      adopted = undefined;
      if (current.metadata.uid !== obj.metadata.uid || current.metadata.deletionTimestamp || controllerRef(current)) return undefined;
      const refs = (current.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid);
      adopted = { ...current, metadata: { ...current.metadata, ownerReferences: [...refs, newControllerRef(owner, gvk)] } };
      return adopted;
    });
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined;
    throw err;
  }
  return adopted;
}

/** Releases `obj`: removes every owner reference to `owner` (if the object still has any). */
export async function release(client: ResourceClient, owner: KubeObject, obj: KubeObject): Promise<void> {
  const uid = owner.metadata.uid!;
  try {
    await client.update(obj.metadata.namespace, obj.metadata.name!, (current) => {
      if (current.metadata.uid !== obj.metadata.uid || !hasOwnerRef(current, uid)) return undefined;
      return withoutOwnerRefs(current, [uid]);
    });
  } catch (err) {
    if (!(err instanceof ApiError && (err.code === 404 || err.code === 422))) throw err;
  }
}
