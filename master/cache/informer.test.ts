// An informer on a real etcd whose watch starts below a compaction (what happens to a watcher
// that fell behind, or was disconnected while the leader compacted): etcd refuses it, the store
// reports 410 Expired, and the informer lists again and converges on the store's contents.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../../api/object";
import { interceptWatches, startTestEtcd } from "../store/testing";
import { StoreError } from "../store/types";
import { Informer } from "./informer";

const PREFIX = "/registry/configmaps/inf/";
const cm = (name: string, v: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "inf" }, data: { v } });

async function eventually(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !ok(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("an informer whose watch is compacted past gets Expired, lists again and converges", { timeout: 60_000 }, async (t) => {
  const etcd = await startTestEtcd();
  t.after(() => etcd.stop());
  const { store } = etcd;
  await store.create(`${PREFIX}a`, cm("a", "1"));
  await store.create(`${PREFIX}b`, cm("b", "1"));

  const intercepted = interceptWatches(store);
  // Between the informer's list and its watch: changes it must not miss, then a compaction
  // past the revision it listed at.
  const compacted = intercepted.compactBeforeNextWatch(PREFIX, async () => {
    await store.delete(`${PREFIX}a`);
    await store.update(`${PREFIX}b`, cm("b", "2"));
    await store.create(`${PREFIX}c`, cm("c", "1"));
    await store.compact(await store.currentRevision());
  });
  const errors: unknown[] = [];
  const events: string[] = [];
  const informer = new Informer(intercepted.store, PREFIX, (err) => errors.push(err));
  informer.on("add", (o) => events.push(`add ${o.metadata.name}`));
  informer.on("update", (_old, o) => events.push(`update ${o.metadata.name}=${(o.data as { v: string }).v}`));
  informer.on("delete", (o) => events.push(`delete ${o.metadata.name}`));
  t.after(() => informer.stop());

  await informer.start();
  await compacted;
  const names = () => informer.list().map((o) => `${o.metadata.name}=${(o.data as { v: string }).v}`).sort().join(",");
  await eventually("the informer to converge after the 410", () => names() === "b=2,c=1");
  assert.equal(errors.length, 1);
  const [err] = errors;
  assert.ok(err instanceof StoreError && err.code === "Expired", `expected Expired, got ${String(err)}`);
  assert.match(err.message, /^too old resource version: \d+ \(\d+\)$/);
  assert.deepEqual(events, ["add a", "add b", "delete a", "update b=2", "add c"]);

  // And it is watching again: later changes arrive without another list.
  await store.create(`${PREFIX}d`, cm("d", "1"));
  await eventually("a change after the relist", () => names() === "b=2,c=1,d=1");
  assert.equal(errors.length, 1);
});
