import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../../api/object";
import {
  Expectations,
  WorkQueue,
  canonicalJson,
  computePodTemplateHash,
  controllerRef,
  fnv32a,
  isControlledBy,
  isPodActive,
  isPodAvailable,
  isPodReady,
  msUntilNextAvailable,
  newControllerRef,
  planClaims,
  podFromTemplate,
  safeEncodeString,
  splitKey,
  templatesEqualIgnoringHash,
  withoutOwnerRefs,
  type QueueTimers,
} from "./controller-utils";

/** Timers that fire only when the test advances them. */
function fakeTimers() {
  let now = 0;
  let seq = 0;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const timers: QueueTimers = {
    setTimeout: (fn, ms) => {
      const id = ++seq;
      pending.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (h) => void pending.delete(h as number),
  };
  return {
    timers,
    delays: () => [...pending.values()].map((p) => p.at - now).sort((a, b) => a - b),
    advance(ms: number) {
      now += ms;
      for (const [id, p] of [...pending].sort((a, b) => a[1].at - b[1].at)) {
        if (p.at <= now) {
          pending.delete(id);
          p.fn();
        }
      }
    },
  };
}

test("work queue: deduplicates waiting keys and never runs one key twice at once", async () => {
  const running = new Set<string>();
  const runs: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const q = new WorkQueue(async (key) => {
    assert.ok(!running.has(key), `${key} ran concurrently`);
    running.add(key);
    runs.push(key);
    if (runs.length === 1) await gate;
    running.delete(key);
  }, { concurrency: 1 });
  q.add("a");
  // "a" is running; "b" waits, and adding it again changes nothing.
  q.add("b");
  q.add("b");
  assert.equal(q.length, 1);
  // Adding the running "a" marks it dirty: one more run after this one, not a parallel one.
  q.add("a");
  q.add("a");
  await new Promise((r) => setImmediate(r));
  release();
  await q.idle();
  assert.deepEqual(runs, ["a", "b", "a"]);
  await q.shutDown();
});

test("work queue: failures back off exponentially up to the cap, success resets the count", async () => {
  const clock = fakeTimers();
  let failing = true;
  let runs = 0;
  const q = new WorkQueue(async () => {
    runs++;
    if (failing) throw new Error("boom");
  }, { timers: clock.timers, baseDelayMs: 5, maxDelayMs: 40 });
  q.add("k");
  await q.idle();
  const seen: number[] = [];
  for (let i = 0; i < 5; i++) {
    seen.push(clock.delays()[0]);
    clock.advance(clock.delays()[0]);
    await q.idle();
  }
  assert.deepEqual(seen, [5, 10, 20, 40, 40]);
  assert.equal(q.retries("k"), 6);
  failing = false;
  clock.advance(40);
  await q.idle();
  assert.equal(q.retries("k"), 0);
  assert.equal(runs, 7);
  assert.deepEqual(clock.delays(), []);
  assert.equal(q.backoffMs(0), 5);
  assert.equal(new WorkQueue(async () => {}).backoffMs(30), 60_000);
});

test("work queue: addAfter keeps the earliest schedule; shutDown drops pending keys", async () => {
  const clock = fakeTimers();
  const runs: string[] = [];
  const q = new WorkQueue(async (k) => void runs.push(k), { timers: clock.timers });
  q.addAfter("x", 100, 0);
  q.addAfter("x", 500, 0);
  q.addAfter("x", 50, 0);
  assert.deepEqual(clock.delays(), [50]);
  clock.advance(50);
  await q.idle();
  assert.deepEqual(runs, ["x"]);
  q.addAfter("y", 10, 0);
  await q.shutDown();
  clock.advance(10);
  q.add("z");
  await q.idle();
  assert.deepEqual(runs, ["x"]);
});

test("expectations: satisfied once every expected create and delete is observed, or after the TTL", () => {
  let now = 0;
  const e = new Expectations(() => now, 1000);
  assert.equal(e.satisfied("ns/rs"), true);
  e.expect("ns/rs", 2, ["ns/p1"]);
  assert.equal(e.satisfied("ns/rs"), false);
  e.creationObserved("ns/rs");
  e.creationObserved("ns/rs");
  assert.equal(e.satisfied("ns/rs"), false);
  e.deletionObserved("ns/rs", "ns/other");
  assert.equal(e.satisfied("ns/rs"), false);
  e.deletionObserved("ns/rs", "ns/p1");
  assert.equal(e.satisfied("ns/rs"), true);
  e.expect("ns/rs", 1);
  now = 1001;
  assert.equal(e.satisfied("ns/rs"), true);
});

const owner: KubeObject = { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "web", namespace: "default", uid: "rs-uid" } };
const pod = (name: string, extra: Partial<KubeObject["metadata"]> = {}, status?: object): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", uid: `${name}-uid`, labels: { app: "web" }, ...extra },
  spec: {},
  status: status ?? { phase: "Running" },
});

test("owner references: controller refs block owner deletion; claims adopt, keep and release", () => {
  const ref = newControllerRef(owner, { apiVersion: "apps/v1", kind: "ReplicaSet" });
  assert.deepEqual(ref, { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: "rs-uid", controller: true, blockOwnerDeletion: true });
  const mine = pod("mine", { ownerReferences: [ref] });
  const theirs = pod("theirs", { ownerReferences: [{ ...ref, uid: "other" }] });
  const orphan = pod("orphan");
  const strayMine = pod("stray", { ownerReferences: [ref], labels: { app: "db" } });
  const strayOrphan = pod("stray-orphan", { labels: { app: "db" } });
  const dying = pod("dying", { deletionTimestamp: "2024-01-01T00:00:00Z" });
  const elsewhere = pod("elsewhere", { namespace: "other" });
  assert.equal(controllerRef(mine)?.uid, "rs-uid");
  assert.equal(isControlledBy(mine, owner), true);
  assert.equal(isControlledBy(theirs, owner), false);
  const matches = (p: KubeObject) => p.metadata.labels?.app === "web";
  const plan = planClaims(owner, matches, [mine, theirs, orphan, strayMine, strayOrphan, dying, elsewhere]);
  assert.deepEqual(plan.owned.map((p) => p.metadata.name), ["mine"]);
  assert.deepEqual(plan.adopt.map((p) => p.metadata.name), ["orphan"]);
  assert.deepEqual(plan.release.map((p) => p.metadata.name), ["stray"]);
  // A controller being deleted neither adopts nor releases.
  const deleting = { ...owner, metadata: { ...owner.metadata, deletionTimestamp: "2024-01-01T00:00:00Z" } };
  const frozen = planClaims(deleting, matches, [mine, orphan, strayMine]);
  assert.deepEqual([frozen.owned.length, frozen.adopt.length, frozen.release.length], [1, 0, 0]);
  const released = withoutOwnerRefs(mine, ["rs-uid"]);
  assert.equal(released.metadata.ownerReferences, undefined);
  assert.equal(mine.metadata.ownerReferences?.length, 1);
});

test("pod facts: active, ready, available after minReadySeconds by the injected clock", () => {
  const readyAt = "2024-05-01T10:00:00Z";
  const ready = pod("r", {}, { phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: readyAt }] });
  const notReady = pod("n", {}, { phase: "Running", conditions: [{ type: "Ready", status: "False" }] });
  assert.equal(isPodReady(ready), true);
  assert.equal(isPodReady(notReady), false);
  assert.equal(isPodActive(ready), true);
  assert.equal(isPodActive(pod("done", {}, { phase: "Succeeded" })), false);
  assert.equal(isPodActive(pod("going", { deletionTimestamp: readyAt })), false);
  const t = (s: number) => new Date(Date.parse(readyAt) + s * 1000);
  assert.equal(isPodAvailable(ready, 0, t(0)), true);
  assert.equal(isPodAvailable(ready, 10, t(10)), false);
  assert.equal(isPodAvailable(ready, 10, t(10.001)), true);
  assert.equal(isPodAvailable(notReady, 0, t(100)), false);
  assert.equal(msUntilNextAvailable([ready, notReady], 10, t(4)), 6001);
  assert.equal(msUntilNextAvailable([ready], 10, t(11)), undefined);
  assert.equal(msUntilNextAvailable([ready], 0, t(0)), undefined);
});

test("pods from a template carry its labels and annotations, a generateName and the controller ref", () => {
  const ref = newControllerRef(owner, { apiVersion: "apps/v1", kind: "ReplicaSet" });
  const template = { metadata: { labels: { app: "web" }, annotations: { a: "b" } }, spec: { containers: [{ name: "c", image: "nginx" }] } };
  const p = podFromTemplate(template, "default", "web-", ref);
  assert.deepEqual(p.metadata, { generateName: "web-", namespace: "default", ownerReferences: [ref], labels: { app: "web" }, annotations: { a: "b" } });
  assert.deepEqual(p.spec, template.spec);
  (p.metadata.labels as Record<string, string>).x = "y";
  assert.deepEqual(template.metadata.labels, { app: "web" });
});

test("pod-template-hash: FNV-1a, safe alphabet, stable across key order and null/empty fields, changed by content and collisions", () => {
  // FNV-1a 32 reference values.
  assert.equal(fnv32a(Buffer.from("")), 0x811c9dc5);
  assert.equal(fnv32a(Buffer.from("a")), 0xe40c292c);
  assert.equal(fnv32a(Buffer.from("foobar")), 0xbf9cf968);
  assert.equal(safeEncodeString("0123456789"), "456789bcdf");
  const a = { metadata: { labels: { app: "web", tier: "fe" } }, spec: { containers: [{ name: "c", image: "nginx" }] } };
  const b = { spec: { containers: [{ image: "nginx", name: "c" }] }, metadata: { labels: { tier: "fe", app: "web" } } };
  const h = computePodTemplateHash(a);
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  assert.equal(computePodTemplateHash(b), h);
  // A fixed value: the hash must never change between releases, or every Deployment would roll.
  assert.equal(h, computePodTemplateHash(JSON.parse(canonicalJson(a))));
  assert.equal(h, "67d9dd846c");
  assert.notEqual(computePodTemplateHash({ ...a, spec: { containers: [{ name: "c", image: "nginx:2" }] } }), h);
  assert.notEqual(computePodTemplateHash(a, 1), h);
  assert.notEqual(computePodTemplateHash(a, 1), computePodTemplateHash(a, 2));
  assert.equal(computePodTemplateHash(a, 1), computePodTemplateHash(b, 1));
  assert.equal(computePodTemplateHash({ ...a, metadata: { ...a.metadata, creationTimestamp: null, annotations: {} } }), h);
});

test("templates compare equal ignoring pod-template-hash and empty fields", () => {
  const t = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx", resources: {} }] } };
  const hashed = { metadata: { labels: { app: "web", "pod-template-hash": "abc" } }, spec: { containers: [{ name: "c", image: "nginx" }] } };
  assert.equal(templatesEqualIgnoringHash(t, hashed), true);
  assert.equal(templatesEqualIgnoringHash(t, { ...hashed, spec: { containers: [{ name: "c", image: "nginx:2" }] } }), false);
  assert.equal(templatesEqualIgnoringHash({ metadata: { labels: { "pod-template-hash": "x" } } }, {}), true);
  // What `kubectl rollout undo` sends back still matches the ReplicaSet it came from.
  assert.equal(templatesEqualIgnoringHash({ ...t, metadata: { ...t.metadata, creationTimestamp: null } }, hashed), true);
  assert.equal(canonicalJson({ b: 1, a: [undefined, { d: undefined, c: 2 }] }), '{"a":[null,{"c":2}],"b":1}');
  assert.deepEqual(splitKey("ns/name"), { namespace: "ns", name: "name" });
  assert.deepEqual(splitKey("node1"), { name: "node1" });
});
