// JSON merge patch: what kubectl label/scale send, the RFC 7386 examples, and input safety.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError } from "../errors";
import { applyMergePatch, mergePatchValue } from "./merge-patch";

test("kubectl label: MP adds a label and keeps the rest of the object", () => {
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "pingpong", labels: { run: "pingpong" } }, spec: { containers: [{ name: "c", image: "alpine" }] } };
  const out = applyMergePatch(pod, { metadata: { labels: { foo: "bar" } } });
  assert.deepEqual(out.metadata, { name: "pingpong", labels: { run: "pingpong", foo: "bar" } });
  assert.deepEqual(out.spec, pod.spec);
});

test("kubectl label foo-: null deletes a key", () => {
  const out = applyMergePatch({ metadata: { name: "p", labels: { foo: "bar", run: "x" } } }, { metadata: { labels: { foo: null } } });
  assert.deepEqual(out.metadata, { name: "p", labels: { run: "x" } });
});

test("kubectl scale: MP on the scale subresource", () => {
  const scale = { kind: "Scale", apiVersion: "autoscaling/v1", metadata: { name: "web" }, spec: { replicas: 3 }, status: { replicas: 3 } };
  assert.deepEqual(applyMergePatch(scale, { spec: { replicas: 8 } }).spec, { replicas: 8 });
});

test("arrays are replaced wholesale, not merged", () => {
  const out = applyMergePatch({ spec: { containers: [{ name: "a" }, { name: "b" }] } }, { spec: { containers: [{ name: "c" }] } });
  assert.deepEqual(out.spec, { containers: [{ name: "c" }] });
});

test("RFC 7386 appendix A examples", () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [["a", "b"], ["c", "d"], ["c", "d"]],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, expected] of cases) {
    assert.deepEqual(mergePatchValue(target, patch), expected, JSON.stringify({ target, patch }));
  }
});

test("inputs are not mutated and the result shares nothing with the patch", () => {
  const original = { metadata: { name: "x", labels: { a: "1" } } };
  const patch = { metadata: { labels: { b: "2" } }, spec: { list: [{ k: 1 }] } };
  const before = structuredClone({ original, patch });
  const out = applyMergePatch(original, patch);
  assert.deepEqual({ original, patch }, before);
  ((out.spec as { list: { k: number }[] }).list[0]).k = 99;
  assert.equal(patch.spec.list[0].k, 1);
});

test("a non-object merge patch for an object is a 400", () => {
  for (const bad of [[1, 2], "x", 3, null]) {
    assert.throws(() => applyMergePatch({ metadata: {} }, bad), (err: unknown) => err instanceof ApiError && err.code === 400 && err.message === "Invalid JSON Patch");
  }
});

test("a __proto__ key is stored as data, never as the prototype", () => {
  const patch = JSON.parse('{"metadata":{"labels":{"__proto__":{"polluted":"yes"}}}}') as Record<string, unknown>;
  const out = applyMergePatch({ metadata: { name: "x" } }, patch);
  const labels = (out.metadata as Record<string, unknown>).labels as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(labels), Object.prototype);
  assert.deepEqual(Object.keys(labels), ["__proto__"]);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
