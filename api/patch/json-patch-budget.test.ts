// The size a JSON patch is allowed to grow an object to, and what measuring it may cost.

import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_NESTING_DEPTH } from "../decode/nesting";
import { apiError } from "../testing/api-error";
import { MAX_OBJECT_BYTES } from "../lifecycle/size";
import { applyPatch } from "./index";
import { applyJsonPatch } from "./json-patch";

const exact = (v: unknown) => Buffer.byteLength(JSON.stringify(v), "utf8");

const configMap = (bytes: number) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "big", namespace: "default" },
  data: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, "v".repeat(Math.floor(bytes / 20))])),
});

test("the copy bomb: 14 copies doubling a 200 KB ConfigMap are a 413 at the copy that crosses 3 MiB", (t) => {
  const ops = Array.from({ length: 14 }, (_, i) => ({ op: "copy", from: "/data", path: `/data/b${i}` }));
  const started = performance.now();
  const err = apiError(() => applyJsonPatch(configMap(200_000), ops));
  const ms = performance.now() - started;
  t.diagnostic(`refused in ${ms.toFixed(1)} ms`);
  assert.equal(err.code, 413);
  assert.equal(err.reason, "RequestEntityTooLarge");
  assert.match(err.message, /^ConfigMap "big" is too large to store: more than 3145728 bytes serialized after operation 4 \(copy to \/data\/b3\), the limit is 1572864 bytes/);
  assert.ok(ms < 500, `${ms} ms`);
});

test("the tracked size is exact: a patch fits a limit of its result's size and not one byte less", () => {
  const original = {
    kind: "Thing",
    metadata: { name: "t", labels: { a: "b" } },
    spec: { list: [1, { x: "y" }], map: { "é~/": "ü 😀", q: 'say "hi"\n' }, solo: { only: 1 }, arr1: ["z"] },
  };
  const patches: Record<string, unknown>[][] = [
    [{ op: "add", path: "/spec/new", value: { n: [1, 2, "三"] } }],
    [{ op: "add", path: "/spec/list/0", value: "first" }, { op: "add", path: "/spec/list/-", value: null }],
    [{ op: "add", path: "/spec/map/q", value: "replaced through add" }],
    [{ op: "replace", path: "/spec/list/1", value: { bigger: "value" } }, { op: "replace", path: "/metadata/labels", value: {} }],
    [{ op: "remove", path: "/spec/map/é~0~1" }, { op: "remove", path: "/spec/list/0" }, { op: "remove", path: "/spec/arr1/0" }],
    [{ op: "remove", path: "/spec/solo/only" }, { op: "add", path: "/spec/solo/again", value: 2 }],
    [{ op: "move", from: "/spec/map/q", path: "/spec/map/r" }, { op: "move", from: "/spec/list/0", path: "/spec/list/1" }],
    [{ op: "move", from: "/spec/solo/only", path: "/spec/arr1/0" }, { op: "move", from: "/metadata/labels", path: "/spec/map/q" }],
    [{ op: "move", from: "/spec/list/1/x", path: "/spec/list" }],
    [{ op: "copy", from: "/spec/map", path: "/spec/list/1" }, { op: "copy", from: "/metadata", path: "/spec/solo" }],
    [{ op: "test", path: "/spec/solo", value: { only: 1 } }, { op: "move", from: "/spec", path: "/status" }],
    [{ op: "replace", path: "", value: { kind: "Thing", metadata: { name: "t" } } }],
  ];
  for (const patch of patches) {
    const result = applyJsonPatch(original, patch);
    const size = exact(result);
    assert.deepEqual(applyJsonPatch(original, patch, size), result, JSON.stringify(patch));
    assert.equal(apiError(() => applyJsonPatch(original, patch, size - 1)).code, 413, JSON.stringify(patch));
  }
});

test("copies add up to Kubernetes' 3 MiB cap, even when each is removed again", () => {
  const ops: Record<string, string>[] = [];
  for (let i = 0; i < 40; i++) ops.push({ op: "copy", from: "/data", path: "/copy" }, { op: "remove", path: "/copy" });
  const err = apiError(() => applyJsonPatch(configMap(100_000), ops));
  assert.equal(err.code, 422);
  assert.match(JSON.stringify(err.details), /accumulated size increase of copy is \d+, exceeding the limit 3145728/);
});

test("moving a large value back and forth exhausts the measuring budget quickly", () => {
  const ops: Record<string, string>[] = [];
  for (let i = 0; i < 5000; i++) ops.push({ op: "move", from: "/data", path: "/moved" }, { op: "move", from: "/moved", path: "/data" });
  const started = performance.now();
  const err = apiError(() => applyJsonPatch(configMap(1_000_000), ops));
  assert.equal(err.code, 422);
  assert.match(JSON.stringify(err.details), /handles more than \d+ bytes of the object in all/);
  assert.ok(performance.now() - started < 2000);
});

test("results nested too deeply are refused without recursion", () => {
  const original = { kind: "ConfigMap", metadata: { name: "d", annotations: {} } };
  const ops = [{ op: "add", path: "/metadata/annotations/x", value: {} }];
  let at = "/metadata/annotations/x";
  for (let i = 0; i < MAX_NESTING_DEPTH; i++) {
    ops.push({ op: "add", path: `${at}/x`, value: {} });
    at += "/x";
  }
  assert.match(JSON.stringify(apiError(() => applyJsonPatch(original, ops)).details), /nests more than 1500 levels deep/);
});

test("merge and strategic merge results over the object limit are a 413 before anything else", () => {
  const cm = configMap(1_000_000);
  const patch = { data: { more: "x".repeat(MAX_OBJECT_BYTES / 2) } };
  for (const type of ["application/merge-patch+json", "application/strategic-merge-patch+json"]) {
    const err = apiError(() => applyPatch(type, "ConfigMap", cm, patch));
    assert.equal(err.code, 413, type);
    assert.match(err.message, /^ConfigMap "big" is too large to store: more than 1572864 bytes serialized after the patch/);
  }
  const ok = applyPatch("application/merge-patch+json", "ConfigMap", cm, { data: { small: "x" } });
  assert.equal((ok.data as Record<string, string>).small, "x");
});
