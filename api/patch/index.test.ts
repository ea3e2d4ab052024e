// Content-Type dispatch: one intent under the three patch types, body forms, and 415/400 cases.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError } from "../errors";
import { applyPatch } from "./index";

const deployment = () => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web" },
  spec: { template: { spec: { containers: [{ name: "web", image: "nginx:1.27" }, { name: "sidecar", image: "busybox" }] } } },
});

const images = (obj: Record<string, unknown>) =>
  ((obj.spec as { template: { spec: { containers: { name: string; image: string }[] } } }).template.spec.containers).map((c) => `${c.name}=${c.image}`);

test("the same intent under each content type shows each type's list semantics", () => {
  const smp = applyPatch("application/strategic-merge-patch+json", "Deployment", deployment(), {
    spec: { template: { spec: { containers: [{ name: "web", image: "nginx:2" }] } } },
  });
  assert.deepEqual(images(smp), ["web=nginx:2", "sidecar=busybox"]);

  const mp = applyPatch("application/merge-patch+json", "Deployment", deployment(), {
    spec: { template: { spec: { containers: [{ name: "web", image: "nginx:2" }] } } },
  });
  assert.deepEqual(images(mp), ["web=nginx:2"]);

  const jp = applyPatch("application/json-patch+json", "Deployment", deployment(), [
    { op: "replace", path: "/spec/template/spec/containers/0/image", value: "nginx:2" },
  ]);
  assert.deepEqual(images(jp), ["web=nginx:2", "sidecar=busybox"]);
});

test("bodies may arrive as text or bytes; media type parameters and case are ignored", () => {
  const body = '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:3"}]}}}}';
  const fromText = applyPatch("Application/Strategic-Merge-Patch+JSON; charset=utf-8", "Deployment", deployment(), body);
  assert.deepEqual(images(fromText), ["web=nginx:3", "sidecar=busybox"]);
  const fromBytes = applyPatch("application/merge-patch+json", "Deployment", deployment(), new TextEncoder().encode('{"metadata":{"labels":{"a":"b"}}}'));
  assert.deepEqual((fromBytes.metadata as Record<string, unknown>).labels, { a: "b" });
});

test("unknown content types are 415s; malformed bodies are 400s", () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof ApiError);
      return err.code;
    }
    assert.fail("expected an error");
  };
  assert.equal(code(() => applyPatch("application/apply-patch+yaml", "Deployment", deployment(), "{}")), 415);
  assert.equal(code(() => applyPatch("application/json", "Deployment", deployment(), {})), 415);
  assert.equal(code(() => applyPatch("application/merge-patch+json", "Deployment", deployment(), "{not json")), 400);
  assert.equal(code(() => applyPatch("application/strategic-merge-patch+json", "Deployment", deployment(), "[1]")), 400);
  assert.equal(code(() => applyPatch("application/json-patch+json", "Deployment", deployment(), "{}")), 400);
});
