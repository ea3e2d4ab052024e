// Deleting one object the way Kubernetes does: preconditions, propagation policy finalizers
// (orphan, foregroundDeletion), graceful deletion of pods running on a node, and finalizers
// that hold the object (with deletionTimestamp set) until controllers remove them.

import { errors } from "../../api/errors";
import { formatTime } from "../../api/time";
import type { KubeObject } from "../../api/object";
import type { ResourceType } from "../../api/resources";
import type { Store } from "../store/types";
import type { ResourceStore } from "./resource-store";
import { CONFLICT_RETRIES, isConflict } from "./retry";
import { isService, releaseServiceAddresses } from "./service-allocation";

/** Kubernetes' DeleteOptions, as a request body or query parameters give them. */
export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

export interface DeleteOutcome {
  /** true: gone from the store; false: marked with deletionTimestamp and still present. */
  deleted: boolean;
  object: KubeObject;
}

const ORPHAN = "orphan";
const FOREGROUND = "foregroundDeletion";

/** What deleting needs from the registry: the resource's store, the raw store (Service addresses), the clock. */
export interface DeletionDeps {
  store: ResourceStore;
  rawStore: Store;
  now(): Date;
}

/**
 * Deletes (or marks for deletion) one object. `admit` runs admission on each stored version read,
 * after the preconditions; a lost race is decided again, up to CONFLICT_RETRIES times.
 */
export async function deleteObject(d: DeletionDeps, namespace: string | undefined, name: string, options: DeleteOptions, admit: (current: KubeObject) => void): Promise<DeleteOutcome> {
  const { store } = d;
  const r = store.resource;
  for (let attempt = 0; ; attempt++) {
    const current = await store.get(namespace, name);
    checkPreconditions(r, current, options);
    admit(current);
    const marked = markForDeletion(d.now(), r, current, options);
    if (options.dryRun?.includes("All")) return { deleted: marked === undefined, object: marked ?? current };
    try {
      if (marked === undefined) {
        const deleted = await store.delete(namespace, name, current.metadata.resourceVersion);
        if (isService(r)) await releaseServiceAddresses(d.rawStore, deleted);
        return { deleted: true, object: deleted };
      }
      if (marked === current) return { deleted: false, object: current };
      return { deleted: false, object: await store.update(marked, current.metadata.resourceVersion) };
    } catch (err) {
      // Lost a race with another writer: read again and decide again.
      if (isConflict(err) && attempt < CONFLICT_RETRIES) continue;
      throw err;
    }
  }
}

/**
 * Returns undefined when the object can go now, the same object when nothing changes (already
 * terminating), or a copy marked for deletion.
 */
function markForDeletion(now: Date, r: ResourceType, current: KubeObject, options: DeleteOptions): KubeObject | undefined {
  const finalizers = new Set(current.metadata.finalizers ?? []);
  const policy = options.propagationPolicy ?? (options.orphanDependents ? "Orphan" : undefined);
  if (policy === "Orphan") finalizers.add(ORPHAN);
  if (policy === "Foreground") finalizers.add(FOREGROUND);

  const grace = gracePeriodFor(r, current, options);
  // A namespace is held by its spec.finalizers until the namespace controller has emptied it.
  const heldBySpec = r.kind === "Namespace" && namespaceFinalizers(current).length > 0;
  if (finalizers.size === 0 && grace === 0 && !heldBySpec) return undefined;

  if (current.metadata.deletionTimestamp) {
    // Already terminating: a new delete may only shorten the grace period or add finalizers.
    const sameFinalizers = finalizers.size === (current.metadata.finalizers ?? []).length;
    const shorter = grace < (current.metadata.deletionGracePeriodSeconds ?? Infinity);
    if (grace === 0 && finalizers.size === 0 && !heldBySpec) return undefined;
    if (sameFinalizers && !shorter) return current;
  }
  const status = r.kind === "Namespace" ? { status: { ...(current.status as object), phase: "Terminating" } } : {};
  return {
    ...current,
    ...status,
    metadata: {
      ...current.metadata,
      finalizers: finalizers.size > 0 ? [...finalizers] : undefined,
      deletionTimestamp: current.metadata.deletionTimestamp ?? formatTime(now.getTime() + grace * 1000),
      deletionGracePeriodSeconds: grace,
    },
  };
}

/** Pods bound to a node get a grace period for their containers to stop; everything else none. */
function gracePeriodFor(r: ResourceType, current: KubeObject, options: DeleteOptions): number {
  if (r.group !== "" || r.kind !== "Pod") return 0;
  const spec = (current.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
  const phase = ((current.status ?? {}) as { phase?: string }).phase;
  if (!spec.nodeName || phase === "Succeeded" || phase === "Failed") return 0;
  const grace = options.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
  return Math.max(0, grace);
}

function checkPreconditions(r: ResourceType, current: KubeObject, options: DeleteOptions): void {
  const pre = options.preconditions;
  if (!pre) return;
  const name = current.metadata.name ?? "";
  if (pre.uid && pre.uid !== current.metadata.uid) {
    throw errors.conflict(r.group, r.plural, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
  }
  if (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
    throw errors.conflict(r.group, r.plural, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
  }
}

export function namespaceFinalizers(ns: KubeObject): string[] {
  return ((ns.spec ?? {}) as { finalizers?: string[] }).finalizers ?? [];
}

/** An update that leaves a terminating object without finalizers completes its deletion. */
export function finishedTerminating(obj: KubeObject): boolean {
  if (obj.metadata.deletionTimestamp === undefined) return false;
  if ((obj.metadata.finalizers ?? []).length > 0 || (obj.metadata.deletionGracePeriodSeconds ?? 0) > 0) return false;
  return obj.kind !== "Namespace" || namespaceFinalizers(obj).length === 0;
}
