// WarmStandby against a real etcd: the caches it keeps make a new term's leases free (no list),
// follow changes made while nobody else holds them, and stop with it.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { KubeObject } from "../../api/object";
import { findResource, storageKey, storagePrefix } from "../../api/resources";
import { ApiContext } from "../registry/context";
import { acquireInformer } from "../cache/shared-informers";
import { createLogger } from "../log";
import { startTestEtcd, type TestEtcd } from "../store/testing";
import type { Store } from "../store/types";
import { WarmStandby } from "./warm-standby";

const CONFIGMAPS = findResource("", "v1", "configmaps")!;
const SECRETS = findResource("", "v1", "secrets")!;

let env: TestEtcd;
before(async () => {
  env = await startTestEtcd();
});
after(() => env?.stop());

/** The store, counting lists per prefix. */
function countingLists(store: Store): { store: Store; lists: Map<string, number> } {
  const lists = new Map<string, number>();
  const counted: Store = Object.create(store) as Store;
  counted.list = (prefix, options) => {
    lists.set(prefix, (lists.get(prefix) ?? 0) + 1);
    return store.list(prefix, options);
  };
  return { store: counted, lists };
}

const configMap = (name: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "warm", uid: `uid-${name}` }, data: { k: name } });

test("a new term's components lease warm caches without listing, including changes made between terms", async () => {
  const { store, lists } = countingLists(env.store);
  const ctx = new ApiContext(store);
  await env.store.create(storageKey(CONFIGMAPS, "warm", "before"), configMap("before"));
  const standby = new WarmStandby(ctx, [CONFIGMAPS, SECRETS], createLogger("warm-standby-test", "silent"));
  standby.start();
  await standby.ready();
  const cmPrefix = storagePrefix(CONFIGMAPS);
  assert.equal(lists.get(cmPrefix), 1);
  assert.equal(lists.get(storagePrefix(SECRETS)), 1);

  // A term: a component leases the cache (replaying it), then its term ends.
  const seen: string[] = [];
  const first = await acquireInformer(ctx, CONFIGMAPS, { add: (o) => seen.push(o.metadata.name!) }, { replay: true });
  assert.deepEqual(seen, ["before"]);
  await first.release();

  // Between terms the cache keeps following etcd.
  await env.store.create(storageKey(CONFIGMAPS, "warm", "between"), configMap("between"));
  const deadline = Date.now() + 10_000;
  const next = await acquireInformer(ctx, CONFIGMAPS, {}, { replay: true });
  while (!next.get("warm/between")) {
    assert.ok(Date.now() < deadline, "the warm cache saw the change made between terms");
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(next.list("warm").map((o) => o.metadata.name).sort(), ["before", "between"]);
  assert.equal(lists.get(cmPrefix), 1, "the next term listed nothing");
  await next.release();

  // Without the standby the last release stops the informer: the next lease lists again.
  await standby.stop();
  const cold = await acquireInformer(ctx, CONFIGMAPS);
  assert.equal(lists.get(cmPrefix), 2);
  await cold.release();
});
