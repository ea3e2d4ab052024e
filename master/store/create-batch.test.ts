import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { KubeObject } from "../../api/object";
import { CreateBatcher } from "./create-batch";
import type { EtcdStore } from "./etcd-store";
import { startTestEtcd, type TestEtcd } from "./testing";
import { StoreError, type WatchEvent } from "./types";

let env: TestEtcd;
let store: EtcdStore;
before(async () => {
  env = await startTestEtcd();
  store = env.store;
});
after(() => env?.stop());

const cm = (name: string, value = "v"): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data: { value } });
const key = (prefix: string, name: string) => `/registry/configmaps/${prefix}/${name}`;

test("creates issued together go in one transaction: each gets its revision, is read, watched and updated with it", async (t) => {
  const prefix = "/registry/configmaps/together/";
  const events: WatchEvent[] = [];
  const watch = await store.watch(prefix, { resourceVersion: await store.currentRevision() }, { event: (e) => events.push(e), error: () => undefined });
  t.after(() => watch.close());

  const names = Array.from({ length: 40 }, (_, i) => `cm-${i}`);
  const created = await Promise.all(names.map((n) => store.create(key("together", n), cm(n))));

  // One transaction: one revision, which is each key's mod_revision.
  const revisions = new Set(created.map((o) => o.metadata.resourceVersion));
  assert.equal(revisions.size, 1, `expected one shared revision, got ${[...revisions].join(", ")}`);
  assert.equal(created[0].metadata.resourceVersion, await store.currentRevision());
  for (const [i, n] of names.entries()) assert.deepEqual(await store.get(key("together", n)), created[i]);

  // The watch delivers every object, in the order of the puts, with that revision.
  const deadline = Date.now() + 10_000;
  while (events.length < names.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(
    events.map((e) => [e.type, e.object.metadata.name, e.object.metadata.resourceVersion]),
    names.map((n) => ["ADDED", n, created[0].metadata.resourceVersion]),
  );

  // The shared resourceVersion is a valid precondition for each object on its own.
  const updated = await Promise.all(names.map((n, i) => store.update(key("together", n), cm(n, "changed"), created[i].metadata.resourceVersion)));
  assert.ok(updated.every((o) => Number(o.metadata.resourceVersion) > Number(created[0].metadata.resourceVersion)));
});

test("an existing key in a batch is AlreadyExists without failing the others; of two creates of one key exactly one wins", async () => {
  const existing = await store.create(key("conflict", "taken"), cm("taken", "first"));
  const results = await Promise.allSettled([
    store.create(key("conflict", "a"), cm("a", "1")),
    store.create(key("conflict", "taken"), cm("taken", "second")),
    store.create(key("conflict", "b"), cm("b")),
    store.create(key("conflict", "a"), cm("a", "2")),
  ]);
  const outcome = (r: PromiseSettledResult<KubeObject>) => (r.status === "fulfilled" ? "created" : r.reason instanceof StoreError ? r.reason.code : String(r.reason));
  assert.deepEqual(results.map(outcome), ["created", "AlreadyExists", "created", "AlreadyExists"]);
  const rejected = results[1] as PromiseRejectedResult;
  assert.equal((rejected.reason as StoreError).key, key("conflict", "taken"));
  // Nothing half-written: the existing object is untouched, the first create of "a" is stored.
  assert.deepEqual(await store.get(key("conflict", "taken")), existing);
  assert.deepEqual((await store.get(key("conflict", "a"))).data, { value: "1" });
});

test("batches keep to the operation and byte limits; a create larger than the byte limit goes alone", async () => {
  const batcher = new CreateBatcher(store.client.kv, { maxInFlight: 1, maxOps: 2, maxBytes: 200 });
  const small = Buffer.from("x".repeat(20));
  const large = Buffer.from("y".repeat(500));
  const revs = await Promise.all(
    [small, small, small, large, small].map((v, i) => batcher.create(Buffer.from(`/limits/k${i}`), v)),
  );
  assert.ok(revs.every((r) => r !== undefined));
  // k0+k1 (two ops), k2 alone (the large one would pass the bytes), k3 (large) alone, k4.
  assert.equal(revs[0], revs[1]);
  assert.deepEqual(new Set(revs).size, 4, `revisions: ${revs.join(", ")}`);
  assert.notEqual(revs[2], revs[3]);
});

test("a create etcd refuses fails alone: the others of its transaction are written", async () => {
  // No byte limit, so the oversized value shares the transaction that etcd refuses as too large.
  const batcher = new CreateBatcher(store.client.kv, { maxInFlight: 1, maxOps: 128, maxBytes: Number.MAX_SAFE_INTEGER });
  const tooLarge = Buffer.alloc(2 * 1024 * 1024, "z");
  const results = await Promise.allSettled([
    batcher.create(Buffer.from("/refused/ok-1"), Buffer.from("1")),
    batcher.create(Buffer.from("/refused/too-large"), tooLarge),
    batcher.create(Buffer.from("/refused/ok-2"), Buffer.from("2")),
  ]);
  assert.deepEqual(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled"]);
  assert.equal(await store.client.get("/refused/ok-1").string(), "1");
  assert.equal(await store.client.get("/refused/ok-2").string(), "2");
  assert.equal(await store.client.get("/refused/too-large").string(), null);
});
