// Shared informers: every controller of one master that needs pods (ReplicaSet, Deployment,
// DaemonSet, Job, the garbage collector) reads the same cache, fed by one etcd watch, instead
// of each keeping its own copy. Leases are counted: the informer starts with the first lease
// and stops when the last one is released, so leader components stay restartable.
//
// Each shared informer also keeps a by-namespace index, since controllers nearly always ask
// "the pods in this namespace".
//
// Handlers see the cache's objects: never mutate them (structuredClone first).

import type { KubeObject } from "../../api/object";
import { storagePrefix, type ResourceType } from "../../api/resources";
import type { ApiContext } from "../apiserver/context";
import { Informer, objectKey } from "../cache/informer";

export interface InformerHandlers<T extends KubeObject = KubeObject> {
  add?(obj: T): void;
  update?(old: T, obj: T): void;
  delete?(obj: T): void;
}

export interface InformerLease<T extends KubeObject = KubeObject> {
  readonly informer: Informer<T>;
  /** The cached object at "namespace/name" (or "name" for cluster-scoped resources). */
  get(key: string): T | undefined;
  /** Cached objects of one namespace (all objects for cluster-scoped resources with undefined). */
  list(namespace?: string): T[];
  /** Detaches the handlers; the last release stops the informer. */
  release(): Promise<void>;
}

interface Shared {
  informer: Informer;
  byNamespace: Map<string, Map<string, KubeObject>>;
  refs: number;
  started: Promise<void>;
}

const registries = new WeakMap<ApiContext, Map<string, Shared>>();

function registryOf(ctx: ApiContext): Map<string, Shared> {
  let r = registries.get(ctx);
  if (!r) registries.set(ctx, (r = new Map()));
  return r;
}

function create(ctx: ApiContext, resource: ResourceType, onError: (err: unknown) => void): Shared {
  const informer = new Informer(ctx.store, storagePrefix(resource), onError);
  const byNamespace = new Map<string, Map<string, KubeObject>>();
  const put = (obj: KubeObject) => {
    const ns = obj.metadata.namespace ?? "";
    let m = byNamespace.get(ns);
    if (!m) byNamespace.set(ns, (m = new Map()));
    m.set(objectKey(obj), obj);
  };
  // Registered before any lessee's handlers, so the index is current when they run.
  informer.on("add", put);
  informer.on("update", (_old, obj) => put(obj));
  informer.on("delete", (obj) => {
    const m = byNamespace.get(obj.metadata.namespace ?? "");
    m?.delete(objectKey(obj));
    if (m?.size === 0) byNamespace.delete(obj.metadata.namespace ?? "");
  });
  informer.setMaxListeners(0);
  return { informer, byNamespace, refs: 0, started: informer.start() };
}

/**
 * A lease on the shared informer of `resource` in `ctx`, with `handlers` attached. Resolves once
 * the cache holds a full list. Objects already cached when a lease is taken are not replayed as
 * `add`: callers enqueue `list()` themselves after acquiring.
 */
export async function acquireInformer<T extends KubeObject = KubeObject>(
  ctx: ApiContext,
  resource: ResourceType,
  handlers: InformerHandlers<T> = {},
  onError: (err: unknown) => void = () => {},
): Promise<InformerLease<T>> {
  const registry = registryOf(ctx);
  const key = storagePrefix(resource);
  let shared = registry.get(key);
  if (!shared) registry.set(key, (shared = create(ctx, resource, onError)));
  const entry = shared;
  entry.refs++;
  const attached: [string, (...args: never[]) => void][] = [];
  const on = (event: "add" | "update" | "delete", fn?: (...args: never[]) => void) => {
    if (!fn) return;
    entry.informer.on(event, fn as never);
    attached.push([event, fn]);
  };
  on("add", handlers.add as never);
  on("update", handlers.update as never);
  on("delete", handlers.delete as never);

  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    for (const [event, fn] of attached) entry.informer.off(event as "add", fn as never);
    entry.refs--;
    if (entry.refs === 0) {
      if (registry.get(key) === entry) registry.delete(key);
      await entry.informer.stop();
    }
  };
  try {
    await entry.started;
  } catch (err) {
    // A failed first list poisons this informer; the next lessee starts a fresh one.
    if (registry.get(key) === entry) registry.delete(key);
    await release();
    throw err;
  }
  return {
    informer: entry.informer as unknown as Informer<T>,
    get: (k) => entry.informer.get(k) as T | undefined,
    list: (namespace) => (namespace === undefined ? entry.informer.list() : [...(entry.byNamespace.get(namespace)?.values() ?? [])]) as T[],
    release,
  };
}

/** Releases several leases (e.g. in a controller's stop()). */
export async function releaseAll(leases: readonly ({ release(): Promise<void> } | undefined)[]): Promise<void> {
  for (const l of leases) await l?.release();
}
