import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { KubeObject } from "../../api/object";
import { findResource, storageKey } from "../../api/resources";
import { startTestEtcd, type TestEtcd } from "../store/testing";
import { EtcdBindWriter, StoreBindWriter, type BindOutcome, type BindWriter } from "./bind-writer";
import { testPod } from "./testing";
import { casBatch } from "./txn-batch";

const PODS = findResource("", "v1", "pods")!;
const NOW = new Date("2026-01-02T03:04:05.678Z");

let env: TestEtcd;
before(async () => {
  env = await startTestEtcd();
});
after(() => env?.stop());

describe("casBatch", () => {
  test("writes every key still at its revision in one transaction, reports the ones that moved or vanished", async () => {
    const revs: string[] = [];
    for (const k of ["a", "b", "c"]) revs.push((await env.store.client.put(`/cas/${k}`).value("0").exec()).header.revision);
    await env.store.client.put("/cas/b").value("changed");
    const before = await env.store.currentRevision();
    const out = await casBatch(env.store.client, [
      { key: "/cas/a", expectedModRevision: revs[0], value: Buffer.from("1") },
      { key: "/cas/b", expectedModRevision: revs[1], value: Buffer.from("1") },
      { key: "/cas/c", expectedModRevision: revs[2], value: Buffer.from("1") },
      { key: "/cas/missing", expectedModRevision: "5", value: Buffer.from("1") },
    ]);
    assert.equal(out[0].ok, true);
    assert.equal(out[2].ok, true);
    assert.deepEqual(out[1].ok ? undefined : out[1].current?.value.toString(), "changed");
    assert.deepEqual(out[3], { ok: false, current: undefined });
    assert.equal(await env.store.client.get("/cas/a").string(), "1");
    assert.equal(await env.store.client.get("/cas/b").string(), "changed");
    // The two good writes landed together, in one revision.
    assert.equal(Number(await env.store.currentRevision()), Number(before) + 1);
  });

  test("batches beyond etcd's 128 operations are split", async () => {
    const writes = [];
    for (let i = 0; i < 300; i++) {
      const rev = (await env.store.client.put(`/split/${i}`).value("0").exec()).header.revision;
      writes.push({ key: `/split/${i}`, expectedModRevision: rev, value: Buffer.from("1") });
    }
    const out = await casBatch(env.store.client, writes);
    assert.equal(out.filter((o) => o.ok).length, 300);
    assert.equal(Object.values(await env.store.client.getAll().prefix("/split/").strings()).filter((v) => v === "1").length, 300);
  });
});

async function scenario(writer: BindWriter, ns: string): Promise<{ outcomes: BindOutcome[]; read: (name: string) => Promise<KubeObject> }> {
  const key = (name: string) => storageKey(PODS, ns, name);
  const create = (name: string, extra: Partial<KubeObject> = {}) => env.store.create(key(name), { ...testPod(name, { namespace: ns }), ...extra });
  const fresh = await create("fresh");
  const changed = await create("changed");
  const bound = await create("bound");
  const gone = await create("gone");
  const terminating = await create("terminating");
  // Between the informer's read and the bind: a label change, a bind by someone else, a delete, a graceful delete.
  await env.store.update(key("changed"), { ...changed, metadata: { ...changed.metadata, labels: { v: "2" } } });
  await env.store.update(key("bound"), { ...bound, spec: { ...(bound.spec as object), nodeName: "other" } });
  await env.store.delete(key("gone"));
  await env.store.update(key("terminating"), { ...terminating, metadata: { ...terminating.metadata, deletionTimestamp: NOW.toISOString() } });
  const outcomes = await writer.write([fresh, changed, bound, gone, terminating].map((pod) => ({ storageKey: key(pod.metadata.name!), pod, nodeName: "node-a" })));
  return { outcomes, read: (name) => env.store.get(key(name)) };
}

for (const [label, make] of [
  ["EtcdBindWriter", () => new EtcdBindWriter(env.store.client, () => NOW)],
  ["StoreBindWriter", () => new StoreBindWriter(env.store, () => NOW)],
] as const) {
  test(`${label}: binds like pods/binding — sets nodeName and PodScheduled, re-binds changed pods, refuses bound and terminating ones`, async () => {
    const { outcomes, read } = await scenario(make(), label.toLowerCase());
    assert.deepEqual(
      outcomes.map((o) => o.kind),
      ["bound", "bound", "refused", "gone", "refused"],
    );
    assert.match((outcomes[2] as { reason: string }).reason, /already assigned to node "other"/);
    assert.match((outcomes[4] as { reason: string }).reason, /being deleted/);
    for (const name of ["fresh", "changed"]) {
      const pod = await read(name);
      assert.equal((pod.spec as { nodeName: string }).nodeName, "node-a");
      assert.deepEqual((pod.status as { conditions: unknown[] }).conditions, [{ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: "2026-01-02T03:04:05Z" }]);
      assert.equal((outcomes[name === "fresh" ? 0 : 1] as { pod: KubeObject }).pod.metadata.resourceVersion, pod.metadata.resourceVersion);
    }
    assert.deepEqual((await read("changed")).metadata.labels, { v: "2" }, "the newer version was bound, not overwritten");
    assert.equal(((await read("bound")).spec as { nodeName: string }).nodeName, "other");
  });
}
