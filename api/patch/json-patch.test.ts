// JSON patch: kubectl rollout undo, each operation, and the status codes Kubernetes returns.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError } from "../errors";
import { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from "./json-patch";

const deployment = () => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "default", annotations: { "deployment.kubernetes.io/revision": "3" } },
  spec: {
    replicas: 3,
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1.28" }] } },
  },
});

function apiError(fn: () => unknown, code: number, check?: (err: ApiError) => void): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.code, code, err.message);
    check?.(err);
    return true;
  });
}

test("kubectl rollout undo: replace the template and the annotations", () => {
  const original = deployment();
  const oldTemplate = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1.27" }] } };
  const out = applyJsonPatch(original, [
    { op: "replace", path: "/spec/template", value: oldTemplate },
    { op: "replace", path: "/metadata/annotations", value: { "deployment.kubernetes.io/revision": "4" } },
  ]);
  assert.deepEqual((out.spec as { template: unknown }).template, oldTemplate);
  assert.deepEqual((out.metadata as { annotations: unknown }).annotations, { "deployment.kubernetes.io/revision": "4" });
  assert.equal((original.spec.template.spec.containers[0]).image, "nginx:1.28", "input untouched");
});

test("add, remove, move, copy and test on arrays and maps, with ~ escapes", () => {
  const out = applyJsonPatch(deployment(), [
    { op: "test", path: "/spec/replicas", value: 3 },
    { op: "add", path: "/spec/template/spec/containers/-", value: { name: "sidecar", image: "busybox" } },
    { op: "add", path: "/metadata/labels", value: {} },
    { op: "add", path: "/metadata/labels/app.kubernetes.io~1name", value: "web" },
    { op: "copy", from: "/spec/replicas", path: "/spec/minReadySeconds" },
    { op: "move", from: "/metadata/annotations", path: "/metadata/oldAnnotations" },
    { op: "remove", path: "/spec/template/spec/containers/0" },
  ]);
  const meta = out.metadata as Record<string, unknown>;
  assert.deepEqual(meta.labels, { "app.kubernetes.io/name": "web" });
  assert.equal(meta.annotations, undefined);
  assert.deepEqual(meta.oldAnnotations, { "deployment.kubernetes.io/revision": "3" });
  const spec = out.spec as { minReadySeconds: number; template: { spec: { containers: { name: string }[] } } };
  assert.equal(spec.minReadySeconds, 3);
  assert.deepEqual(spec.template.spec.containers.map((c) => c.name), ["sidecar"]);
});

test("a failed test op is a 422 Invalid carrying the reason as a cause", () => {
  apiError(() => applyJsonPatch(deployment(), [{ op: "test", path: "/spec/replicas", value: 4 }]), 422, (err) => {
    assert.equal(err.reason, "Invalid");
    assert.equal(err.message, "the server rejected our request due to an error in our request");
    assert.deepEqual(err.details?.causes, [{ reason: "UnexpectedServerResponse", message: "testing value /spec/replicas failed: test failed" }]);
  });
});

test("operations against missing paths are 422s, and nothing is half-applied", () => {
  const original = deployment();
  apiError(() => applyJsonPatch(original, [{ op: "replace", path: "/spec/paused", value: true }]), 422);
  apiError(() => applyJsonPatch(original, [{ op: "remove", path: "/metadata/labels" }]), 422);
  apiError(() => applyJsonPatch(original, [{ op: "add", path: "/status/conditions/0", value: {} }]), 422);
  apiError(() => applyJsonPatch(original, [{ op: "remove", path: "/spec/template/spec/containers/5" }]), 422);
  apiError(() => applyJsonPatch(original, [{ op: "move", from: "/nope", path: "/x" }]), 422);
  apiError(() => applyJsonPatch(original, [{ op: "move", from: "/spec", path: "/spec/inner" }]), 422);
  apiError(
    () => applyJsonPatch(original, [{ op: "replace", path: "/spec/replicas", value: 9 }, { op: "test", path: "/spec/replicas", value: 3 }]),
    422,
  );
  assert.deepEqual(original, deployment());
});

test("unknown ops and malformed operations are 422s; non-list bodies are 400s", () => {
  apiError(() => applyJsonPatch(deployment(), [{ op: "merge", path: "/spec", value: {} }]), 422, (err) =>
    assert.equal(err.details?.causes?.[0].message, "Unexpected kind: merge"),
  );
  apiError(() => applyJsonPatch(deployment(), [{ op: "_get", path: "/spec" }]), 422);
  apiError(() => applyJsonPatch(deployment(), [{ op: "add", value: 1 }]), 422);
  apiError(() => applyJsonPatch(deployment(), { op: "add", path: "/x", value: 1 }), 400);
  apiError(() => applyJsonPatch(deployment(), [1]), 400);
});

test("replacing the whole document must still leave an object", () => {
  const out = applyJsonPatch(deployment(), [{ op: "replace", path: "", value: { metadata: { name: "other" } } }]);
  assert.deepEqual(out, { metadata: { name: "other" } });
  apiError(() => applyJsonPatch(deployment(), [{ op: "remove", path: "" }]), 422);
});

test("more than 10000 operations is a 413", () => {
  const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: "test", path: "/kind", value: "Deployment" }));
  apiError(() => applyJsonPatch(deployment(), ops), 413);
});

test("values are copied in, so later ops cannot write through into the caller's patch", () => {
  const value = { app: "web" };
  const patch = [
    { op: "add", path: "/metadata/labels", value },
    { op: "add", path: "/metadata/labels/tier", value: "frontend" },
  ];
  const out = applyJsonPatch(deployment(), patch);
  assert.deepEqual((out.metadata as { labels: unknown }).labels, { app: "web", tier: "frontend" });
  assert.deepEqual(value, { app: "web" });
});

test("__proto__ paths are refused", () => {
  apiError(() => applyJsonPatch(deployment(), [{ op: "add", path: "/metadata/__proto__/polluted", value: "yes" }]), 422);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
