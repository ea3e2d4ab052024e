// The compactor against a real etcd member. Ticks are driven by the test (the interval timer is
// an hour), so each step is deterministic.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../../api/object";
import { createLogger } from "../log";
import { EtcdCompactor } from "./compactor";
import { startTestEtcd, type TestEtcd } from "./testing";
import { StoreError, type WatchEvent } from "./types";

const log = createLogger("compactor-test", "silent");
const HOUR = 3600_000;
const MiB = 1024 * 1024;
const cm = (name: string, v: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "c" }, data: { v } });

async function etcdFor(t: { after(fn: () => Promise<void>): void }, options: Parameters<typeof startTestEtcd>[0] = {}): Promise<TestEtcd> {
  const etcd = await startTestEtcd(options);
  t.after(() => etcd.stop());
  return etcd;
}

function compactorOn(t: { after(fn: () => Promise<void>): void }, etcd: TestEtcd, options: Partial<ConstructorParameters<typeof EtcdCompactor>[1]> = {}): EtcdCompactor {
  const c = new EtcdCompactor(etcd.store.client, { intervalMs: HOUR, log, tls: etcd.tls, ...options });
  t.after(() => c.stop());
  return c;
}

async function expired(p: Promise<unknown>): Promise<StoreError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof StoreError && err.code === "Expired") return err;
    throw err;
  }
  throw new Error("expected Expired, got a result");
}

test("each tick compacts to the revision recorded one tick earlier; reads from before it are Expired, a live watch goes on", async (t) => {
  const etcd = await etcdFor(t);
  const { store } = etcd;
  const prefix = "/registry/configmaps/c/";
  const first = await store.create(`${prefix}a`, cm("a", "1"));
  await store.create(`${prefix}b`, cm("b", "1"));
  const live: WatchEvent[] = [];
  const watch = await store.watch(prefix, { resourceVersion: first.metadata.resourceVersion }, { event: (e) => live.push(e), error: (err) => live.push({ type: "ERROR", object: { metadata: { name: String(err) } } }) });
  t.after(() => watch.close());
  // etcd registers the watcher asynchronously; once it delivered b it follows, whatever is compacted.
  for (let i = 0; i < 250 && live.length < 1; i++) await new Promise((r) => setTimeout(r, 20));

  const compactor = compactorOn(t, etcd);
  await compactor.start();
  assert.deepEqual(await compactor.tick(), {}, "the first tick of a new cluster only records a revision");
  const recorded = Number(await store.currentRevision());
  await store.update(`${prefix}a`, cm("a", "2"));
  // History before `recorded` is still there: one interval is kept.
  assert.equal((await store.list(prefix, { resourceVersion: first.metadata.resourceVersion })).items.length, 1);
  assert.equal((await store.list(prefix, { resourceVersion: String(recorded) })).items.length, 2);

  const second = await compactor.tick();
  assert.equal(second?.compacted, recorded);
  assert.deepEqual(second?.defragmented, [], "a tiny database is never defragmented");
  const listErr = await expired(store.list(prefix, { resourceVersion: first.metadata.resourceVersion }));
  assert.equal(listErr.message, "The resourceVersion for the provided list is too old.");
  const watchErr = await new Promise<unknown>((resolve, reject) => {
    store.watch(prefix, { resourceVersion: first.metadata.resourceVersion }, { event: () => reject(new Error("an event from compacted history")), error: resolve }).catch(reject);
  });
  assert.ok(watchErr instanceof StoreError && watchErr.code === "Expired");
  assert.equal(watchErr.message, `too old resource version: ${first.metadata.resourceVersion} (${recorded - 1})`);

  // The watch that was already following is untouched by compaction.
  await store.update(`${prefix}a`, cm("a", "3"));
  for (let i = 0; i < 100 && live.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(
    live.map((e) => [e.type, e.object.metadata.name, (e.object.data as { v: string } | undefined)?.v]),
    [["ADDED", "b", "1"], ["MODIFIED", "a", "2"], ["MODIFIED", "a", "3"]],
  );
});

test("two compactors (a leader still finishing, a new one): one compacts per round; a new leader compacts at its first tick", async (t) => {
  const etcd = await etcdFor(t);
  const a = compactorOn(t, etcd);
  const b = compactorOn(t, etcd);
  await a.start();
  await b.start();
  assert.deepEqual(await a.tick(), {});
  assert.deepEqual(await b.tick(), { lostSwap: true }, "a ticked since b read the record");
  const aRecorded = Number(await etcd.store.currentRevision());
  assert.equal((await a.tick())?.compacted, aRecorded);
  assert.deepEqual(await b.tick(), { lostSwap: true });
  await a.stop();

  // A leader of a later term reads the last record at its start and compacts to it at once.
  const lastRecord = Number(await etcd.store.currentRevision());
  const c = compactorOn(t, etcd);
  await c.start();
  assert.equal((await c.tick())?.compacted, lastRecord);
});

test("after large history is compacted away, a member whose file is mostly free is defragmented and shrinks (over TLS, as a master's member)", { timeout: 120_000 }, async (t) => {
  const etcd = await etcdFor(t, { tls: true });
  const { client } = etcd.store;
  const big = "x".repeat(MiB);
  for (let i = 0; i < 24; i++) await client.put("/registry/configmaps/c/big").value(`${i}${big}`).exec();
  const before = await client.maintenance.status();
  assert.ok(Number(before.dbSize) > 20 * MiB, `dbSize ${before.dbSize}`);

  let now = 0;
  const compactor = compactorOn(t, etcd, { defragPolicy: { minDbBytes: 8 * MiB, minFreeFraction: 0.5, minIntervalMs: HOUR }, now: () => now });
  await compactor.start();
  await compactor.tick(); // records a revision after the 24 writes
  // The next tick compacts them away. etcd counts the freed pages only after a later write (the
  // next tick's record, in a quiet cluster), so the defragmentation may come one tick later.
  const defragmented = [...((await compactor.tick())?.defragmented ?? []), ...((await compactor.tick())?.defragmented ?? [])];
  assert.equal(defragmented.length, 1);
  const [d] = defragmented;
  assert.equal(d.name, "test");
  assert.ok(d.dbSizeAfter! < d.dbSizeBefore / 4, `dbSize ${d.dbSizeBefore} → ${d.dbSizeAfter}`);
  assert.ok(Number((await client.maintenance.status()).dbSize) < 8 * MiB);
  assert.equal((await client.get("/registry/configmaps/c/big").string())?.slice(0, 2), "23", "the data survives");

  // The rate limit, by the injected clock: not again within the hour, whatever the sizes.
  for (let i = 0; i < 24; i++) await client.put("/registry/configmaps/c/big").value(`${i}${big}`).exec();
  await compactor.tick();
  now = HOUR / 2;
  assert.deepEqual((await compactor.tick())?.defragmented, []);
  assert.deepEqual((await compactor.tick())?.defragmented, []);
  now = HOUR;
  assert.equal((await compactor.tick())?.defragmented?.length, 1);
});

test("a cluster out of space (alarm NOSPACE, read-only) is made writable again by the next tick", { timeout: 120_000 }, async (t) => {
  const etcd = await etcdFor(t, { quotaBackendBytes: 32 * MiB });
  const { client } = etcd.store;
  const compactor = compactorOn(t, etcd);
  await compactor.start();
  const big = "y".repeat(MiB);
  let full = false;
  for (let i = 0; i < 64 && !full; i++) {
    try {
      await client.put("/registry/configmaps/c/fill").value(`${i}${big}`).exec();
    } catch (err) {
      assert.match(String(err), /database space exceeded/);
      full = true;
    }
  }
  assert.ok(full, "etcd never ran out of space");
  await assert.rejects(client.put("/registry/configmaps/c/other").value("1").exec(), /database space exceeded/);

  const result = await compactor.tick();
  assert.equal(result?.noSpace, true);
  assert.equal(result?.defragmented?.length, 1);
  await client.put("/registry/configmaps/c/other").value("1").exec();
  assert.deepEqual((await client.maintenance.alarm({ action: "Get" })).alarms, []);
  // And the schedule goes on: the next tick writes its record again.
  assert.equal((await compactor.tick())?.lostSwap, undefined);
});
