// Shared informers: every leader component of one master that needs a resource (the
// controllers, the scheduler, the dispatcher) reads the same cache, fed by one etcd watch,
// instead of each keeping its own copy of every pod. Leases are counted: the informer starts
// with the first lease and stops when the last one is released, so leader components stay
// restartable (stop, then start again, takes a fresh lease). In a master the informers of every
// stored resource also hold a lease from the warm standby (master/election/warm-standby.ts), so
// they keep running across leadership terms: a new term's components start from full caches.
//
// Each shared informer also keeps a by-namespace index, since controllers nearly always ask
// "the objects in this namespace".
//
// Handlers and list()/get() callers see the cache's objects, shared by every lessee: never
// mutate them (structuredClone first, or build a new object with spreads).
//
// A late lessee (the informer is already running for someone else) does not see the objects
// already cached as events unless it asks for `replay`:
//   - without replay, handlers see only what happens from now on; the caller reads what is
//     already there with list() (controllers queue every key anyway);
//   - with replay, handlers see every cached object exactly once as `add` — from the first list
//     if it is still being applied, else replayed synchronously at acquisition — and then every
//     change. The scheduler and the dispatcher build their own indexes this way.

import type { KubeObject } from "../../api/object";
import { objectKey } from "../../api/object-key";
import { storagePrefix, type ResourceType } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import { Informer } from "./informer";

export interface InformerHandlers<T extends KubeObject = KubeObject> {
  add?(obj: T): void;
  update?(old: T, obj: T): void;
  delete?(obj: T): void;
}

export interface AcquireOptions {
  /** Called when the watch ends and the informer relists (one lessee is told, the oldest). */
  onError?: (err: unknown) => void;
  /** Deliver the objects already cached to `add` (see the file comment). Default false. */
  replay?: boolean;
}

export interface InformerLease<T extends KubeObject = KubeObject> {
  readonly informer: Informer<T>;
  /** The cached object at "namespace/name" (or "name" for cluster-scoped resources). */
  get(key: string): T | undefined;
  /** Cached objects of one namespace (all objects for cluster-scoped resources with undefined). */
  list(namespace?: string): T[];
  /** Detaches the handlers; the last release stops the informer. Safe to call twice. */
  release(): Promise<void>;
}

interface Shared {
  informer: Informer;
  byNamespace: Map<string, Map<string, KubeObject>>;
  refs: number;
  /** The lessees' error callbacks, oldest first. */
  errorHandlers: Set<(err: unknown) => void>;
  /** Resolves once the first list is applied and the watch is open. */
  started: Promise<void>;
}

const registries = new WeakMap<ApiContext, Map<string, Shared>>();

function registryOf(ctx: ApiContext): Map<string, Shared> {
  let r = registries.get(ctx);
  if (!r) registries.set(ctx, (r = new Map()));
  return r;
}

function create(ctx: ApiContext, resource: ResourceType): Shared {
  const errorHandlers = new Set<(err: unknown) => void>();
  // One log line per failure is enough: tell the oldest lessee still holding a lease.
  const onError = (err: unknown) => {
    const [oldest] = errorHandlers;
    oldest?.(err);
  };
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
  return { informer, byNamespace, refs: 0, errorHandlers, started: informer.start() };
}

/**
 * A lease on the shared informer of `resource` in `ctx`, with `handlers` attached. Resolves once
 * the cache holds a full list and the watch is open. Rejects (holding nothing) when the first
 * list fails.
 */
export async function acquireInformer<T extends KubeObject = KubeObject>(
  ctx: ApiContext,
  resource: ResourceType,
  handlers: InformerHandlers<T> = {},
  options: AcquireOptions = {},
): Promise<InformerLease<T>> {
  const registry = registryOf(ctx);
  const key = storagePrefix(resource);
  let shared = registry.get(key);
  if (!shared) registry.set(key, (shared = create(ctx, resource)));
  const entry = shared;
  const informer = entry.informer as unknown as Informer<T>;
  entry.refs++;
  const onError = options.onError;
  if (onError) entry.errorHandlers.add(onError);

  // Handlers go on synchronously with the replay below, so no event falls between the two and
  // none is seen twice. Before the first list is applied there is nothing to replay: the list
  // itself arrives as `add` events.
  const replayNow = options.replay === true && informer.hasSynced();
  const attached: [string, (...args: never[]) => void][] = [];
  const on = (event: "add" | "update" | "delete", fn?: (...args: never[]) => void) => {
    if (!fn) return;
    informer.on(event, fn as never);
    attached.push([event, fn]);
  };
  on("add", handlers.add as never);
  on("update", handlers.update as never);
  on("delete", handlers.delete as never);
  if (replayNow && handlers.add) for (const obj of informer.list()) handlers.add(obj);

  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    for (const [event, fn] of attached) informer.off(event as "add", fn as never);
    if (onError) entry.errorHandlers.delete(onError);
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
    informer,
    get: (k) => informer.get(k),
    list: (namespace) => (namespace === undefined ? informer.list() : [...((entry.byNamespace.get(namespace)?.values() ?? []) as Iterable<T>)]),
    release,
  };
}

/** Releases several leases (e.g. in a component's stop()). */
export async function releaseAll(leases: readonly ({ release(): Promise<void> } | undefined)[]): Promise<void> {
  for (const l of leases) await l?.release();
}
