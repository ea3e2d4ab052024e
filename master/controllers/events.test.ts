// The event recorder against a real etcd: one Event per (object, reason, message), repeats bump
// its count, names list an object's events in the order they happened, and a burst of similar
// events is a handful of writes.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import { ApiContext } from "../registry/context";
import { ResourceClient } from "../registry/internal-client";
import { ensureSystemNamespaces } from "../bootstrap";
import { startTestEtcd, type TestEtcd } from "../store/testing";
import { TEST_ADMIN } from "../registry/testing";
import { EventRecorder } from "./events";
import { AGGREGATE_ACROSS_OBJECTS, AGGREGATE_MESSAGE_PREFIX } from "./event-correlator";

let env: TestEtcd;
let ctx: ApiContext;
let events: ResourceClient;

before(async () => {
  env = await startTestEtcd();
  ctx = new ApiContext(env.store);
  await ensureSystemNamespaces(ctx);
  await ctx.namespaces.start();
  events = new ResourceClient(ctx, findResource("", "v1", "events")!, TEST_ADMIN);
});
after(async () => {
  await ctx?.namespaces.stop();
  await env?.stop();
});

const pod: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "web-0", namespace: "default", uid: "uid-web-0" } };

/** The counts of the pod's events with `reason`, once they reach `want` (record() does not wait). */
async function counts(reason: string, want: number[]): Promise<number[]> {
  let got: number[] = [];
  for (let i = 0; i < 100; i++) {
    got = (await events.list("default")).filter((e) => e.reason === reason).map((e) => e.count as number);
    if (JSON.stringify(got) === JSON.stringify(want)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return got;
}

test("a repeat bumps the count, also of two records at once; a new leader's recorder starts its own series", async () => {
  const errors: unknown[] = [];
  const recorder = new EventRecorder(ctx, "default-scheduler", TEST_ADMIN, (err) => errors.push(err));
  recorder.record(pod, "Normal", "Scheduled", "Successfully assigned default/web-0 to node-a");
  assert.deepEqual(await counts("Scheduled", [1]), [1]);
  recorder.record(pod, "Normal", "Scheduled", "Successfully assigned default/web-0 to node-a");
  assert.deepEqual(await counts("Scheduled", [2]), [2]);

  // Like a restarted Kubernetes component (client-go's correlator lives in memory).
  const next = new EventRecorder(ctx, "default-scheduler", TEST_ADMIN, (err) => errors.push(err));
  next.record(pod, "Normal", "Scheduled", "Successfully assigned default/web-0 to node-a");
  assert.deepEqual(await counts("Scheduled", [2, 1]), [2, 1]);

  // Two records of a new event at once: written one after the other, one create then a bump.
  recorder.record(pod, "Warning", "FailedScheduling", "0/1 nodes are available");
  recorder.record(pod, "Warning", "FailedScheduling", "0/1 nodes are available");
  assert.deepEqual(await counts("FailedScheduling", [2]), [2]);
  assert.deepEqual(errors, []);
});

test("an object's events list in the order they were recorded, also within one millisecond", async () => {
  const p: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "ordered", namespace: "default", uid: "uid-ordered" } };
  const a = new EventRecorder(ctx, "default-scheduler", TEST_ADMIN);
  const b = new EventRecorder(ctx, "kubelet", TEST_ADMIN);
  const reasons = ["Scheduled", "Pulling", "Pulled", "Created", "Started"];
  reasons.forEach((reason, i) => (i === 0 ? a : b).record(p, "Normal", reason, `${reason} ordered`));
  let listed: string[] = [];
  for (let i = 0; i < 100 && listed.length < reasons.length; i++) {
    listed = (await events.list("default")).filter((e) => (e.involvedObject as { name: string }).name === "ordered").map((e) => e.reason as string);
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(listed, reasons);
});

test("an event deleted since it was written is written anew", async () => {
  const recorder = new EventRecorder(ctx, "node-controller", TEST_ADMIN);
  recorder.record(pod, "Normal", "TaintManagerEviction", "Marking for deletion Pod default/web-0");
  assert.deepEqual(await counts("TaintManagerEviction", [1]), [1]);
  const [written] = (await events.list("default")).filter((e) => e.reason === "TaintManagerEviction");
  await events.delete("default", written.metadata.name!);
  assert.deepEqual(await counts("TaintManagerEviction", []), []);
  recorder.record(pod, "Normal", "TaintManagerEviction", "Marking for deletion Pod default/web-0");
  assert.deepEqual(await counts("TaintManagerEviction", [1]), [1]);
});

test("1,000 similar Scheduled events in a burst: 9 Events of their own and one aggregate with the whole count, in a few writes", async () => {
  const recorder = new EventRecorder(ctx, "burst-scheduler", TEST_ADMIN, undefined, { aggregateKey: AGGREGATE_ACROSS_OBJECTS });
  const before = Number(await env.store.currentRevision());
  for (let i = 0; i < 1000; i++) {
    const p: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: `burst-${i}`, namespace: "default", uid: `uid-burst-${i}` } };
    recorder.record(p, "Normal", "Scheduled", `Successfully assigned default/burst-${i} to node-a`);
  }
  await recorder.idle();
  const revisions = Number(await env.store.currentRevision()) - before;
  const written = (await events.list("default")).filter((e) => (e.source as { component: string }).component === "burst-scheduler");
  const aggregate = written.filter((e) => (e.message as string).startsWith(AGGREGATE_MESSAGE_PREFIX));
  assert.equal(written.length, 10, "9 individual Events and 1 aggregate");
  assert.deepEqual(written.filter((e) => e.count === 1 && !aggregate.includes(e)).map((e) => (e.involvedObject as { name: string }).name).sort(), Array.from({ length: 9 }, (_, i) => `burst-${i}`).sort());
  assert.equal(aggregate.length, 1);
  assert.equal(aggregate[0].count, 991, "every record after the 9th counted");
  assert.equal(aggregate[0].message, `${AGGREGATE_MESSAGE_PREFIX}Successfully assigned default/burst-999 to node-a`);
  const stats = recorder.stats();
  assert.deepEqual([stats.recorded, stats.skipped, stats.created], [1000, 0, 10]);
  assert.ok(stats.created + stats.updated <= 15, `${stats.created + stats.updated} Event writes for 1,000 records`);
  // Creates that arrive together share one etcd transaction (master/store/create-batch.ts), so
  // there may be fewer revisions than writes, but never more than the recorder counted.
  assert.ok(revisions >= 1 && revisions <= stats.created + stats.updated, `${revisions} etcd revisions`);
});

test("repeats of one event are written at most once per interval, with the latest count", async () => {
  const p: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "flapping", namespace: "default", uid: "uid-flapping" } };
  const recorder = new EventRecorder(ctx, "flap-controller", TEST_ADMIN, undefined, { bumpIntervalMs: 300, spamBurst: 10_000 });
  const before = Number(await env.store.currentRevision());
  for (let i = 0; i < 500; i++) recorder.record(p, "Warning", "BackOff", "Back-off restarting failed container");
  await recorder.idle();
  const [flapping] = (await events.list("default")).filter((e) => e.reason === "BackOff");
  assert.equal(flapping.count, 500);
  assert.equal(Number(await env.store.currentRevision()) - before, 2, "one create, one update");
});
