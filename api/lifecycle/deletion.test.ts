import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../object";
import { addFinalizer, canDeleteNow, deletionGracePeriod, markForDeletion, removeFinalizer } from "./deletion";

const now = new Date("2024-05-01T10:00:00Z");
const obj = (meta: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): KubeObject => ({ kind: "ConfigMap", metadata: { name: "c", ...meta }, ...extra });

test("marking sets deletionTimestamp = now + grace and bumps a tracked generation once", () => {
  const marked = markForDeletion(obj({ generation: 2 }), now, 30);
  assert.equal(marked.metadata.deletionTimestamp, "2024-05-01T10:00:30Z");
  assert.equal(marked.metadata.deletionGracePeriodSeconds, 30);
  assert.equal(marked.metadata.generation, 3);
  assert.equal(markForDeletion(obj(), now, 0).metadata.generation, undefined);
});

test("a second delete may shorten the grace period but never extend it", () => {
  const marked = markForDeletion(obj(), now, 30);
  const later = new Date("2024-05-01T10:00:10Z");
  assert.deepEqual(markForDeletion(marked, later, 60), marked);
  const shorter = markForDeletion(marked, later, 5);
  assert.equal(shorter.metadata.deletionTimestamp, "2024-05-01T10:00:05Z");
  assert.equal(shorter.metadata.deletionGracePeriodSeconds, 5);
  assert.equal(markForDeletion(obj({ generation: 2 }), now, 30).metadata.generation, 3);
});

test("namespaces move to Terminating when marked", () => {
  const ns = markForDeletion({ kind: "Namespace", metadata: { name: "a" }, status: { phase: "Active" } }, now, 0);
  assert.deepEqual(ns.status, { phase: "Terminating" });
});

test("an object may leave storage once no finalizer and no grace period holds it", () => {
  assert.equal(canDeleteNow(obj()), true);
  const held = addFinalizer(markForDeletion(obj(), now, 0), "example.com/cleanup");
  assert.equal(canDeleteNow(held), false);
  const released = removeFinalizer(held, "example.com/cleanup");
  assert.equal(released.metadata.finalizers, undefined);
  assert.equal(canDeleteNow(released), true);
  assert.equal(canDeleteNow(markForDeletion(obj(), now, 30)), false);
  assert.deepEqual(addFinalizer(addFinalizer(obj(), "a/b"), "a/b").metadata.finalizers, ["a/b"]);
});

test("grace periods: pods use their spec unless unscheduled or finished; other kinds none", () => {
  const pod = (spec: Record<string, unknown>, phase = "Running"): KubeObject => ({ kind: "Pod", metadata: { name: "p" }, spec, status: { phase } });
  assert.equal(deletionGracePeriod("Pod", pod({ nodeName: "n1", terminationGracePeriodSeconds: 45 })), 45);
  assert.equal(deletionGracePeriod("Pod", pod({ nodeName: "n1", terminationGracePeriodSeconds: 45 }), 10), 10);
  assert.equal(deletionGracePeriod("Pod", pod({ nodeName: "n1" }), -5), 1);
  assert.equal(deletionGracePeriod("Pod", pod({ terminationGracePeriodSeconds: 45 })), 0);
  assert.equal(deletionGracePeriod("Pod", pod({ nodeName: "n1", terminationGracePeriodSeconds: 45 }, "Succeeded")), 0);
  assert.equal(deletionGracePeriod("ConfigMap", obj(), 30), 0);
});
