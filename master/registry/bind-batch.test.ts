import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { KubeObject } from "../../api/object";
import { findResource, storageKey } from "../../api/resources";
import { ApiError } from "../../api/errors";
import { controllerUser, SCHEDULER_USER } from "../auth/internal-users";
import { testPod } from "../scheduler/testing";
import { EtcdStore } from "../store/etcd-store";
import { startTestEtcd, type TestEtcd } from "../store/testing";
import type { Store } from "../store/types";
import type { BindOutcome } from "./bind-batch";
import { ApiContext } from "./context";
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

/** The same store, but not an EtcdStore: the registry binds pod by pod. */
function notEtcd(store: EtcdStore): Store {
  return new Proxy(store, { getPrototypeOf: () => Object.prototype });
}

async function scenario(ctx: ApiContext, ns: string): Promise<{ outcomes: BindOutcome[]; read: (name: string) => Promise<KubeObject> }> {
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
  const outcomes = await ctx.registry.bindPods(SCHEDULER_USER, [fresh, changed, bound, gone, terminating].map((pod) => ({ pod, nodeName: "node-a" })));
  return { outcomes, read: (name) => env.store.get(key(name)) };
}

for (const [label, store] of [
  ["in etcd transactions", () => env.store],
  ["pod by pod on another store", () => notEtcd(env.store)],
] as const) {
  test(`bindPods ${label}: binds like pods/binding — sets nodeName and PodScheduled, re-binds changed pods, refuses bound and terminating ones`, async () => {
    const ctx = new ApiContext(store(), { now: () => NOW });
    const { outcomes, read } = await scenario(ctx, label.replace(/[^a-z]/g, ""));
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

describe("bindPods is authorized and admitted per pod before the transaction is built", () => {
  test("a binder the authorizer refuses gets 403 for its pods and writes nothing", async () => {
    const asked: string[] = [];
    const ctx = new ApiContext(env.store, { now: () => NOW }, undefined, undefined, {
      authorizer: {
      authorize: (a) => {
        asked.push(`${a.user.name} ${a.verb} ${a.resource}/${a.subresource} ${a.namespace}/${a.name}`);
        return a.user.name === SCHEDULER_USER.name ? { allowed: true } : { allowed: false, reason: "not the scheduler" };
      },
    },
    });
    const pods = await Promise.all(["a", "b"].map((n) => env.store.create(storageKey(PODS, "authz", n), testPod(n, { namespace: "authz" }))));
    const intruder = controllerUser("job-controller");
    const outcomes = await ctx.registry.bindPods(intruder, pods.map((pod) => ({ pod, nodeName: "node-a" })));
    assert.deepEqual(asked, ["system:serviceaccount:kube-system:job-controller create pods/binding authz/a", "system:serviceaccount:kube-system:job-controller create pods/binding authz/b"]);
    for (const o of outcomes) {
      assert.equal(o.kind, "error");
      const err = (o as { error: unknown }).error;
      assert.ok(err instanceof ApiError && err.code === 403, String(err));
      assert.equal(err.message, 'pods "' + err.details?.name + '" is forbidden: User "system:serviceaccount:kube-system:job-controller" cannot create resource "pods/binding" in API group "" in the namespace "authz": not the scheduler');
    }
    for (const n of ["a", "b"]) assert.equal(((await env.store.get<KubeObject>(storageKey(PODS, "authz", n))).spec as { nodeName?: string }).nodeName, undefined);
    // The scheduler itself may.
    const ok = await ctx.registry.bindPods(SCHEDULER_USER, pods.map((pod) => ({ pod, nodeName: "node-a" })));
    assert.deepEqual(ok.map((o) => o.kind), ["bound", "bound"]);
  });

  test("validating admission sees each binding and can refuse one pod without failing the batch", async () => {
    const ctx = new ApiContext(env.store, { now: () => NOW });
    const seen: string[] = [];
    ctx.admission.push({
      name: "test-no-node-b",
      validate(a) {
        seen.push(`${a.operation} ${a.resource}/${a.subresource} ${a.namespace}/${a.name} by ${a.user.name}`);
        const target = (a.object as { target?: { name?: string } } | undefined)?.target?.name;
        if (target === "node-b") throw new ApiError(403, "Forbidden", `pods "${a.name}" is forbidden: node-b is closed`);
      },
    });
    const pods = await Promise.all(["a", "b"].map((n) => env.store.create(storageKey(PODS, "admit", n), testPod(n, { namespace: "admit" }))));
    const outcomes = await ctx.registry.bindPods(SCHEDULER_USER, [
      { pod: pods[0], nodeName: "node-a" },
      { pod: pods[1], nodeName: "node-b" },
    ]);
    assert.deepEqual(seen, ["create pods/binding admit/a by system:kube-scheduler", "create pods/binding admit/b by system:kube-scheduler"]);
    assert.equal(outcomes[0].kind, "bound");
    assert.equal(outcomes[1].kind, "error");
    assert.match(String((outcomes[1] as { error: unknown }).error), /node-b is closed/);
    assert.equal(((await env.store.get<KubeObject>(storageKey(PODS, "admit", "b"))).spec as { nodeName?: string }).nodeName, undefined);
  });
});
