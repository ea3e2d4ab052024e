// Shared informers against an in-memory store whose lists and watches the test controls: one
// list and one watch per resource however many lessees, the by-namespace index, what a late
// lessee sees with and without replay, and restart after the last release.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../../api/object";
import { findResource, storageKey, type ResourceType } from "../../api/resources";
import { ApiContext } from "../registry/context";
import type { ListResult, Store, WatchHandlers } from "../store/types";
import { Informer } from "./informer";
import { acquireInformer, type InformerHandlers } from "./shared-informers";

const PODS = findResource("", "v1", "pods")!;
const NODES = findResource("", "v1", "nodes")!;

interface FakeWatch {
  prefix: string;
  handlers: WatchHandlers;
  closed: boolean;
}

/** list and watch only; the test adds objects, holds lists back and fails them. */
class FakeStore {
  readonly objects = new Map<string, KubeObject>();
  readonly watches: FakeWatch[] = [];
  lists = 0;
  /** While set, lists wait for it. */
  listGate?: Promise<void>;
  /** While set, watches wait for it before opening. */
  watchGate?: Promise<void>;
  failLists = false;
  private revision = 1;

  async list<T extends KubeObject>(prefix: string): Promise<ListResult<T>> {
    this.lists++;
    await this.listGate;
    if (this.failLists) throw new Error("etcd unavailable");
    const items = [...this.objects].filter(([k]) => k.startsWith(prefix)).map(([, o]) => structuredClone(o) as T);
    return { items, resourceVersion: String(this.revision) };
  }

  async watch(prefix: string, _options: unknown, handlers: WatchHandlers): Promise<{ close(): Promise<void> }> {
    await this.watchGate;
    const w: FakeWatch = { prefix, handlers, closed: false };
    this.watches.push(w);
    return {
      close: async () => {
        w.closed = true;
      },
    };
  }

  openWatches(prefix: string): number {
    return this.watches.filter((w) => w.prefix === prefix && !w.closed).length;
  }

  put(r: ResourceType, obj: KubeObject): void {
    const key = storageKey(r, obj.metadata.namespace, obj.metadata.name!);
    const type = this.objects.has(key) ? "MODIFIED" : "ADDED";
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.revision) } };
    this.objects.set(key, stored);
    for (const w of this.watches) if (!w.closed && key.startsWith(w.prefix)) w.handlers.event({ type, object: structuredClone(stored) });
  }

  remove(r: ResourceType, namespace: string | undefined, name: string): void {
    const key = storageKey(r, namespace, name);
    const obj = this.objects.get(key)!;
    this.objects.delete(key);
    for (const w of this.watches) if (!w.closed && key.startsWith(w.prefix)) w.handlers.event({ type: "DELETED", object: structuredClone(obj) });
  }

  /** The watches end on their own (etcd restart, compaction). */
  breakWatches(err: unknown): void {
    for (const w of this.watches.filter((x) => !x.closed)) {
      w.closed = true;
      w.handlers.error(err);
    }
  }
}

function setup(): { store: FakeStore; ctx: ApiContext } {
  const store = new FakeStore();
  return { store, ctx: new ApiContext(store as unknown as Store) };
}

const pod = (namespace: string, name: string): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { namespace, name, uid: `uid-${name}` } });

/** Handlers that write down what they see, as "add ns/name" lines. */
function recorder(): { seen: string[]; handlers: InformerHandlers } {
  const seen: string[] = [];
  const id = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
  return {
    seen,
    handlers: {
      add: (o) => seen.push(`add ${id(o)}`),
      update: (_old, o) => seen.push(`update ${id(o)}`),
      delete: (o) => seen.push(`delete ${id(o)}`),
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

test("one list and one watch per resource, however many lessees; both see every event; a by-namespace index", async () => {
  const { store, ctx } = setup();
  store.put(PODS, pod("a", "p1"));
  store.put(PODS, pod("b", "p2"));
  const first = recorder();
  const second = recorder();
  const l1 = await acquireInformer(ctx, PODS, first.handlers);
  const l2 = await acquireInformer(ctx, PODS, second.handlers);
  assert.equal(l1.informer, l2.informer);
  assert.equal(store.lists, 1);
  assert.equal(store.openWatches("/registry/pods/"), 1);

  store.put(PODS, pod("a", "p3"));
  store.remove(PODS, "b", "p2");
  assert.deepEqual(second.seen, ["add a/p3", "delete b/p2"]);
  assert.deepEqual(first.seen.slice(-2), ["add a/p3", "delete b/p2"]);
  assert.deepEqual(l1.list("a").map((p) => p.metadata.name).sort(), ["p1", "p3"]);
  assert.deepEqual(l2.list("b"), []);
  assert.equal(l2.list().length, 2);
  assert.equal(l1.get("a/p3")?.metadata.uid, "uid-p3");

  // Other resources get their own informer.
  const nodes = await acquireInformer(ctx, NODES);
  assert.notEqual(nodes.informer as unknown, l1.informer as unknown);
  await Promise.all([l1.release(), l2.release(), nodes.release()]);
});

test("a late lessee sees the cached objects only through list() without replay, exactly once as add with replay", async () => {
  const { store, ctx } = setup();
  store.put(PODS, pod("a", "p1"));
  store.put(PODS, pod("a", "p2"));
  const early = await acquireInformer(ctx, PODS);

  const plain = recorder();
  const replaying = recorder();
  const late = await acquireInformer(ctx, PODS, plain.handlers);
  const lateReplay = await acquireInformer(ctx, PODS, replaying.handlers, { replay: true });
  assert.deepEqual(plain.seen, []);
  assert.equal(late.list().length, 2);
  assert.deepEqual(replaying.seen.sort(), ["add a/p1", "add a/p2"]);

  store.put(PODS, pod("a", "p1"));
  assert.deepEqual(plain.seen, ["update a/p1"]);
  assert.deepEqual(replaying.seen.slice(2), ["update a/p1"]);
  await Promise.all([early.release(), late.release(), lateReplay.release()]);
});

test("replay while the first list is still in flight: each object once, from the list itself", async () => {
  const { store, ctx } = setup();
  store.put(PODS, pod("a", "p1"));
  let openList!: () => void;
  store.listGate = new Promise((r) => (openList = r));
  const first = acquireInformer(ctx, PODS);
  const replaying = recorder();
  const second = acquireInformer(ctx, PODS, replaying.handlers, { replay: true });
  await tick();
  assert.deepEqual(replaying.seen, []);
  openList();
  const leases = await Promise.all([first, second]);
  assert.deepEqual(replaying.seen, ["add a/p1"]);
  assert.equal(store.lists, 1);
  await Promise.all(leases.map((l) => l.release()));
});

test("the last release stops the informer; the next lease starts a fresh one (stop then start again works)", async () => {
  const { store, ctx } = setup();
  store.put(PODS, pod("a", "p1"));
  const a = await acquireInformer(ctx, PODS);
  const b = await acquireInformer(ctx, PODS);
  await a.release();
  await a.release(); // twice is harmless and does not count twice
  assert.equal(store.openWatches("/registry/pods/"), 1);
  await b.release();
  assert.equal(store.openWatches("/registry/pods/"), 0);

  store.put(PODS, pod("a", "p2")); // while nobody watched
  const replaying = recorder();
  const c = await acquireInformer(ctx, PODS, replaying.handlers, { replay: true });
  assert.notEqual(c.informer, a.informer);
  assert.equal(store.lists, 2);
  assert.deepEqual(replaying.seen.sort(), ["add a/p1", "add a/p2"]);
  await c.release();
});

test("released handlers see nothing more; watch errors go to the oldest lessee still holding a lease", async () => {
  const { store, ctx } = setup();
  const errors: string[] = [];
  const gone = recorder();
  const a = await acquireInformer(ctx, PODS, gone.handlers, { onError: () => errors.push("a") });
  const b = await acquireInformer(ctx, PODS, {}, { onError: () => errors.push("b") });
  const c = await acquireInformer(ctx, PODS, {}, { onError: () => errors.push("c") });
  await a.release();
  store.put(PODS, pod("a", "p1"));
  store.breakWatches(new Error("compacted"));
  assert.deepEqual(errors, ["b"]);
  assert.deepEqual(gone.seen, []);
  await Promise.all([b.release(), c.release()]);
});

test("a failed first list rejects the lease and leaves nothing behind; the next lease lists again", async () => {
  const { store, ctx } = setup();
  store.failLists = true;
  await assert.rejects(acquireInformer(ctx, PODS), /etcd unavailable/);
  store.failLists = false;
  store.put(PODS, pod("a", "p1"));
  const lease = await acquireInformer(ctx, PODS);
  assert.equal(lease.list().length, 1);
  assert.equal(store.lists, 2);
  await lease.release();
});

test("an informer stopped while its watch is being opened closes that watch", async () => {
  const store = new FakeStore();
  let openWatch!: () => void;
  store.watchGate = new Promise((r) => (openWatch = r));
  const informer = new Informer(store as unknown as Store, "/registry/pods/");
  const started = informer.start();
  await tick();
  assert.equal(informer.hasSynced(), true);
  await informer.stop();
  openWatch();
  await started;
  assert.equal(store.watches.length, 1);
  assert.equal(store.openWatches("/registry/pods/"), 0);
});
