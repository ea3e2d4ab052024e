import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { KubeObject } from "../../api/object";
import type { EtcdStore } from "./etcd-store";
import { startTestEtcd, type TestEtcd } from "./testing";
import { StoreError, type StoreErrorCode, type Watch, type WatchEvent, type WatchOptions } from "./types";

// One member for the file; each test works under its own key prefix.
let env: TestEtcd;
let store: EtcdStore;
before(async () => {
  env = await startTestEtcd({ progressNotifyIntervalMs: 200 });
  store = env.store;
});
after(() => env?.stop());

const cm = (name: string, value: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data: { value } });
const rv = (o: KubeObject) => Number(o.metadata.resourceVersion);
const names = (items: KubeObject[]) => items.map((o) => o.metadata.name);

async function rejectsWith(p: Promise<unknown>, code: StoreErrorCode): Promise<StoreError> {
  let caught: StoreError | undefined;
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof StoreError, `expected StoreError ${code}, got ${String(err)}`);
    assert.equal(err.code, code);
    caught = err;
    return true;
  });
  return caught!;
}

test("create stores JSON without resourceVersion and returns it with one; a second create is AlreadyExists", async () => {
  const key = "/registry/configmaps/crud/a";
  const input = cm("a", "1");
  input.metadata.resourceVersion = "999"; // whatever the caller sends is not stored
  const created = await store.create(key, input);
  assert.equal(created.metadata.resourceVersion, await store.currentRevision());
  assert.deepEqual(created.data, { value: "1" });
  const raw = JSON.parse((await env.store.client.get(key).string())!);
  assert.equal(raw.metadata.resourceVersion, undefined);
  assert.deepEqual(await store.get(key), created);
  await rejectsWith(store.create(key, cm("a", "2")), "AlreadyExists");
  assert.deepEqual(await store.get(key), created);
});

test("get of a missing key is NotFound", async () => {
  await rejectsWith(store.get("/registry/configmaps/crud/missing"), "NotFound");
});

test("update: stale resourceVersion is Conflict, current one gives a newer one, missing key is NotFound", async () => {
  const key = "/registry/configmaps/upd/a";
  const v1 = await store.create(key, cm("a", "1"));
  const v2 = await store.update(key, cm("a", "2"), v1.metadata.resourceVersion);
  assert.ok(rv(v2) > rv(v1));
  assert.deepEqual(await store.get(key), v2);
  await rejectsWith(store.update(key, cm("a", "stale"), v1.metadata.resourceVersion), "Conflict");
  await rejectsWith(store.update(key, cm("a", "junk"), "not-a-number"), "Conflict");
  assert.deepEqual(await store.get(key), v2);
  const v3 = await store.update(key, cm("a", "3")); // unconditional
  assert.ok(rv(v3) > rv(v2));
  await rejectsWith(store.update("/registry/configmaps/upd/missing", cm("m", "1")), "NotFound");
  await rejectsWith(store.update("/registry/configmaps/upd/missing", cm("m", "1"), v3.metadata.resourceVersion), "NotFound");
});

test("guaranteedUpdate retries lost races until every increment lands", async () => {
  const key = "/registry/configmaps/gu/counter";
  await store.create(key, cm("counter", "0"));
  const increment = (o: KubeObject) => ({ ...o, data: { value: String(Number((o.data as { value: string }).value) + 1) } });
  await Promise.all(Array.from({ length: 8 }, () => store.guaranteedUpdate(key, increment)));
  const final = await store.get(key);
  assert.deepEqual(final.data, { value: "8" });
  // undefined from mutate leaves the object (and its resourceVersion) alone.
  assert.deepEqual(await store.guaranteedUpdate(key, () => undefined), final);
  await rejectsWith(store.guaranteedUpdate("/registry/configmaps/gu/missing", increment), "NotFound");
});

test("delete returns the last state at the delete's revision; missing is NotFound, stale precondition Conflict", async () => {
  const key = "/registry/configmaps/del/a";
  const v1 = await store.create(key, cm("a", "1"));
  const v2 = await store.update(key, cm("a", "2"));
  await rejectsWith(store.delete(key, v1.metadata.resourceVersion), "Conflict");
  const deleted = await store.delete(key, v2.metadata.resourceVersion);
  assert.deepEqual(deleted.data, { value: "2" });
  assert.ok(rv(deleted) > rv(v2));
  assert.equal(deleted.metadata.resourceVersion, await store.currentRevision());
  await rejectsWith(store.get(key), "NotFound");
  await rejectsWith(store.delete(key), "NotFound");
  await store.create(key, cm("a", "again"));
  assert.deepEqual((await store.delete(key)).data, { value: "again" });
});

test("list pages with limit/continue at one revision even while objects are added", async () => {
  const prefix = "/registry/configmaps/pages/";
  const created = [];
  for (let i = 0; i < 7; i++) created.push(await store.create(`${prefix}o${i}`, cm(`o${i}`, String(i))));
  await store.create("/registry/configmaps/pages-other/x", cm("x", "outside the prefix"));

  const p1 = await store.list(prefix, { limit: 3 });
  assert.deepEqual(names(p1.items), ["o0", "o1", "o2"]);
  assert.equal(p1.remainingItemCount, 4);
  assert.ok(p1.continue);
  const listRev = p1.resourceVersion;

  await store.create(`${prefix}o3a`, cm("o3a", "added between pages")); // sorts into page 2
  await store.update(`${prefix}o4`, cm("o4", "changed between pages"));

  const p2 = await store.list(prefix, { limit: 3, continue: p1.continue });
  const p3 = await store.list(prefix, { limit: 3, continue: p2.continue });
  assert.equal(p2.resourceVersion, listRev);
  assert.equal(p3.resourceVersion, listRev);
  assert.equal(p3.continue, undefined);
  assert.deepEqual([...p1.items, ...p2.items, ...p3.items], created);

  const fresh = await store.list(prefix);
  assert.equal(fresh.items.length, 8);
  assert.ok(Number(fresh.resourceVersion) > Number(listRev));
  assert.equal(fresh.continue, undefined);

  // A limit that ends exactly at the last item leaves no continue token.
  const exact = await store.list(prefix, { limit: 8 });
  assert.equal(exact.items.length, 8);
  assert.equal(exact.continue, undefined);
});

test("list with filter fills each page with matching items and reads at a given resourceVersion", async () => {
  const prefix = "/registry/configmaps/filter/";
  for (let i = 0; i < 10; i++) await store.create(`${prefix}o${i}`, cm(`o${i}`, i % 3 === 0 ? "keep" : "drop"));
  const filter = (o: KubeObject) => (o.data as { value: string }).value === "keep";
  const seen: KubeObject[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await store.list(prefix, { limit: 2, filter, continue: token });
    assert.ok(page.items.length === 2 || page.continue === undefined);
    seen.push(...page.items);
    token = page.continue;
    pages++;
  } while (token);
  assert.deepEqual(names(seen), ["o0", "o3", "o6", "o9"]);
  assert.equal(pages, 2);

  const before = await store.list(prefix);
  await store.delete(`${prefix}o0`);
  const old = await store.list(prefix, { resourceVersion: before.resourceVersion });
  assert.deepEqual(old.items, before.items);
  assert.equal(old.resourceVersion, before.resourceVersion);
  assert.equal((await store.list(prefix)).items.length, 9);
});

test("list with a bad continue token is InvalidContinue", async () => {
  await rejectsWith(store.list("/registry/configmaps/", { continue: "garbage!" }), "InvalidContinue");
  const page = await store.list("/registry/configmaps/pages/", { limit: 1 });
  await rejectsWith(store.list("/registry/secrets/", { continue: page.continue }), "InvalidContinue");
});

test("watch from a resourceVersion replays later changes in order, then follows live ones", async (t) => {
  const prefix = "/registry/configmaps/watch/";
  const a1 = await store.create(`${prefix}a`, cm("a", "1"));
  const a2 = await store.update(`${prefix}a`, cm("a", "2"));
  const b1 = await store.create(`${prefix}b`, cm("b", "1"));
  await store.create("/registry/configmaps/watch-other/x", cm("x", "not watched"));

  const w = collect(t, prefix, { resourceVersion: a1.metadata.resourceVersion });
  const watch = await w.open();
  await w.until((es) => es.length >= 2);
  const aDeleted = await store.delete(`${prefix}a`);
  const b2 = await store.update(`${prefix}b`, cm("b", "2"));
  await w.until((es) => es.length >= 4);

  assert.deepEqual(
    w.events.map((e) => [e.type, e.object.metadata.name, e.object.metadata.resourceVersion]),
    [
      ["MODIFIED", "a", a2.metadata.resourceVersion],
      ["ADDED", "b", b1.metadata.resourceVersion],
      ["DELETED", "a", aDeleted.metadata.resourceVersion],
      ["MODIFIED", "b", b2.metadata.resourceVersion],
    ],
  );
  assert.deepEqual(w.events[0].object, a2);
  assert.deepEqual(w.events[0].prevObject, a1);
  assert.equal(w.events[1].prevObject, undefined);
  assert.deepEqual(w.events[2].object, aDeleted);
  assert.deepEqual(w.events[2].prevObject, a2);
  assert.deepEqual(w.events[3].prevObject, b1);

  await watch.close();
  await store.update(`${prefix}b`, cm("b", "after close"));
  await sleep(200);
  assert.equal(w.events.length, 4, "no events after close()");
});

test("watch without a resourceVersion starts now", async (t) => {
  const prefix = "/registry/configmaps/watch-now/";
  await store.create(`${prefix}old`, cm("old", "1"));
  const w = collect(t, prefix, {});
  await w.open();
  const fresh = await store.create(`${prefix}new`, cm("new", "1"));
  await w.until((es) => es.length >= 1);
  await sleep(100);
  assert.deepEqual(w.events, [{ type: "ADDED", object: fresh }]);
});

test("list and watch at a compacted revision are Expired", async (t) => {
  const prefix = "/registry/configmaps/compact/";
  const old = await store.create(`${prefix}a`, cm("a", "1"));
  await store.create(`${prefix}b`, cm("b", "1"));
  const page = await store.list(prefix, { limit: 1 });
  assert.ok(page.continue);
  await store.update(`${prefix}a`, cm("a", "2"));
  const compactedAt = await store.currentRevision();
  await store.compact(compactedAt);
  await store.compact(old.metadata.resourceVersion!); // already compacted past: a no-op

  // Kubernetes' wording: apiserver storage/etcd3/errors.go for lists, the watch cache for watches.
  const listErr = await rejectsWith(store.list(prefix, { resourceVersion: old.metadata.resourceVersion }), "Expired");
  assert.equal(listErr.message, "The resourceVersion for the provided list is too old.");
  const continueErr = await rejectsWith(store.list(prefix, { continue: page.continue }), "Expired");
  assert.match(continueErr.message, /^The provided continue parameter is too old to display a consistent list result\. You can start a new list without the continue parameter\.$/);

  const w = collect(t, prefix, { resourceVersion: old.metadata.resourceVersion });
  await w.open();
  const err = await w.failure;
  assert.ok(err instanceof StoreError && err.code === "Expired", `expected Expired, got ${String(err)}`);
  // The oldest resourceVersion a watch can still start from is the compaction revision - 1.
  assert.equal(err.message, `too old resource version: ${old.metadata.resourceVersion} (${Number(compactedAt) - 1})`);
  assert.deepEqual(w.events, []);
});

test("bookmarks carry the latest revision while the watch is idle", async (t) => {
  const prefix = "/registry/configmaps/bookmarks/";
  const w = collect(t, prefix, { bookmarks: true, bookmarkIntervalMs: 100 });
  await w.open();
  const elsewhere = await store.create("/registry/configmaps/bookmarks-other/x", cm("x", "1"));
  // etcd reports progress every 200ms here; a bookmark must reach past the unrelated write.
  await w.until((es) => es.some((e) => e.type === "BOOKMARK" && rv(e.object) >= rv(elsewhere)));
  const mine = await store.create(`${prefix}a`, cm("a", "1"));
  await w.until((es) => es.some((e) => e.type === "ADDED"));
  await w.until((es) => es.at(-1)!.type === "BOOKMARK" && rv(es.at(-1)!.object) >= rv(mine));

  const bookmarks = w.events.filter((e) => e.type === "BOOKMARK");
  assert.ok(bookmarks.length >= 2);
  for (const b of bookmarks) assert.deepEqual(Object.keys(b.object), ["metadata"]);
  const revs = w.events.map((e) => rv(e.object));
  assert.deepEqual(revs, [...revs].sort((x, y) => x - y), "revisions never go backwards");
});

/** Opens a watch that records events; closed when the test ends. */
function collect(t: { after(fn: () => unknown): void }, prefix: string, options: WatchOptions) {
  const events: WatchEvent[] = [];
  let watch: Watch | undefined;
  let fail: (err: unknown) => void = () => undefined;
  const failure = new Promise<unknown>((resolve) => (fail = resolve));
  t.after(() => watch?.close());
  return {
    events,
    failure,
    async open() {
      watch = await store.watch(prefix, options, { event: (e) => events.push(e), error: (err) => fail(err) });
      return watch;
    },
    async until(done: (es: WatchEvent[]) => boolean, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done(events)) {
        if (Date.now() > deadline) throw new Error(`watch on ${prefix} did not get there; events: ${JSON.stringify(events)}`);
        await sleep(20);
      }
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
