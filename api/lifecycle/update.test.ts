import { test } from "node:test";
import assert from "node:assert/strict";
import { applyDefaults } from "../defaults";
import { ApiError } from "../errors";
import type { KubeObject } from "../object";
import { findResource } from "../resources";
import { validateUpdate } from "../validation";
import { prepareForUpdate } from "./update";

const deployments = findResource("apps", "v1", "deployments")!;
const configmaps = findResource("", "v1", "configmaps")!;
const services = findResource("", "v1", "services")!;
const namespaces = findResource("", "v1", "namespaces")!;
const ctx = { now: new Date("2024-05-02T00:00:00Z"), newUid: () => "never-used", random: () => 0 };

const stored = (): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "default", uid: "u-1", resourceVersion: "10", generation: 4, creationTimestamp: "2024-05-01T10:00:00Z", annotations: { a: "1" } },
  spec: { replicas: 2 },
  status: { replicas: 2, observedGeneration: 4 },
});

test("generation bumps only when spec changes", () => {
  const same = prepareForUpdate(deployments, { ...stored(), metadata: { ...stored().metadata, labels: { x: "y" } } }, stored(), ctx);
  assert.equal(same.metadata.generation, 4);
  const scaled = prepareForUpdate(deployments, { ...stored(), spec: { replicas: 3 } }, stored(), ctx);
  assert.equal(scaled.metadata.generation, 5);
  const clientGeneration = prepareForUpdate(deployments, { ...stored(), metadata: { ...stored().metadata, generation: 99 } }, stored(), ctx);
  assert.equal(clientGeneration.metadata.generation, 4);
});

test("deployments also count annotation changes; ConfigMaps track no generation", () => {
  const annotated = prepareForUpdate(deployments, { ...stored(), metadata: { ...stored().metadata, annotations: { a: "2" } } }, stored(), ctx);
  assert.equal(annotated.metadata.generation, 5);
  const cm: KubeObject = { kind: "ConfigMap", metadata: { name: "c", namespace: "default", resourceVersion: "1" }, data: { a: "1" } };
  const changed = prepareForUpdate(configmaps, { ...cm, data: { a: "2" } }, cm, ctx);
  assert.equal(changed.metadata.generation, undefined);
});

test("system fields come from the stored object; a missing resourceVersion means unconditional", () => {
  const next = prepareForUpdate(
    deployments,
    { ...stored(), metadata: { name: "web", creationTimestamp: "1999-01-01T00:00:00Z" } },
    stored(),
    ctx,
  );
  assert.equal(next.metadata.uid, "u-1");
  assert.equal(next.metadata.namespace, "default");
  assert.equal(next.metadata.resourceVersion, "10");
  assert.equal(next.metadata.creationTimestamp, "2024-05-01T10:00:00Z");
  const otherUid = prepareForUpdate(deployments, { ...stored(), metadata: { ...stored().metadata, uid: "u-2" } }, stored(), ctx);
  const uidCauses = validateUpdate("Deployment", otherUid, stored()).filter((c) => c.field === "metadata.uid");
  assert.deepEqual(uidCauses.map((c) => c.message), ['Invalid value: "u-2": field is immutable']);
});

test("a different namespace in the body is a 400", () => {
  assert.throws(
    () => prepareForUpdate(deployments, { ...stored(), metadata: { ...stored().metadata, namespace: "other" } }, stored(), ctx),
    (err: unknown) => err instanceof ApiError && err.code === 400,
  );
});

test("main-resource writes keep the stored status", () => {
  const next = prepareForUpdate(deployments, { ...stored(), status: { replicas: 100 } }, stored(), ctx);
  assert.deepEqual(next.status, stored().status);
});

test("status writes change nothing but status", () => {
  const body = { ...stored(), spec: { replicas: 9 }, metadata: { ...stored().metadata, labels: { x: "y" }, resourceVersion: "11" }, status: { replicas: 3 } };
  const next = prepareForUpdate(deployments, body, stored(), { ...ctx, statusOnly: true });
  assert.deepEqual(next.spec, stored().spec);
  assert.deepEqual(next.status, { replicas: 3 });
  assert.equal(next.metadata.labels, undefined);
  assert.equal(next.metadata.resourceVersion, "11");
  assert.equal(next.metadata.generation, 4);
  const viaSubresource = prepareForUpdate(deployments, body, stored(), { ...ctx, subresource: "status" });
  assert.deepEqual(viaSubresource, next);
});

test("namespace finalizers change only through /finalize", () => {
  const ns: KubeObject = { kind: "Namespace", metadata: { name: "a", resourceVersion: "1" }, spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } };
  const cleared = { ...ns, spec: { finalizers: [] } };
  assert.deepEqual(prepareForUpdate(namespaces, cleared, ns, ctx).spec, { finalizers: ["kubernetes"] });
  assert.deepEqual(prepareForUpdate(namespaces, cleared, ns, { ...ctx, subresource: "finalize" }).spec, { finalizers: [] });
});

test("a service replaced without its allocated values keeps them", () => {
  const old = applyDefaults("Service", {
    kind: "Service",
    metadata: { name: "web", namespace: "default", uid: "s", resourceVersion: "5" },
    spec: { type: "NodePort", clusterIP: "10.96.0.10", clusterIPs: ["10.96.0.10"], ports: [{ name: "http", port: 80, nodePort: 30080 }] },
  });
  const manifest = { kind: "Service", metadata: { name: "web", namespace: "default" }, spec: { type: "NodePort", ports: [{ name: "http", port: 8080 }] } };
  const next = applyDefaults("Service", prepareForUpdate(services, manifest, old, ctx));
  const spec = next.spec as Record<string, unknown>;
  assert.equal(spec.clusterIP, "10.96.0.10");
  assert.deepEqual(spec.clusterIPs, ["10.96.0.10"]);
  assert.equal((spec.ports as { nodePort: number }[])[0].nodePort, 30080);
  assert.deepEqual(validateUpdate("Service", next, old), []);
});
