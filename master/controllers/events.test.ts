// The event recorder against a real etcd: one Event per (object, reason, message), repeats bump
// its count, and names list an object's events in the order they happened.

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
