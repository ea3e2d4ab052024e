import { test } from "node:test";
import assert from "node:assert/strict";
import { groupVersionDocument, gvPathOf, schemaClosure, schemaResolver, servedDocuments } from "./document";
import type { Schema } from "./types";

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const meta = "io.k8s.apimachinery.pkg.apis.meta.v1.";

// A tiny catalogue, just enough for coordination.k8s.io/v1 (leases: namespaced, all verbs).
const SCHEMAS: Record<string, Schema> = {
  "io.k8s.api.coordination.v1.Lease": {
    type: "object",
    properties: { metadata: { allOf: [ref(`${meta}ObjectMeta`)] }, spec: { allOf: [ref("io.k8s.api.coordination.v1.LeaseSpec")] } },
    "x-kubernetes-group-version-kind": [{ group: "coordination.k8s.io", version: "v1", kind: "Lease" }],
  },
  "io.k8s.api.coordination.v1.LeaseSpec": { type: "object", properties: { holderIdentity: { type: "string" } } },
  "io.k8s.api.coordination.v1.LeaseList": {
    type: "object",
    properties: { items: { type: "array", items: { allOf: [ref("io.k8s.api.coordination.v1.Lease")] } }, metadata: { allOf: [ref(`${meta}ListMeta`)] } },
    "x-kubernetes-group-version-kind": [{ group: "coordination.k8s.io", version: "v1", kind: "LeaseList" }],
  },
  [`${meta}ObjectMeta`]: { type: "object" },
  [`${meta}ListMeta`]: { type: "object" },
  [`${meta}Status`]: { type: "object" },
  [`${meta}DeleteOptions`]: { type: "object" },
  [`${meta}Patch`]: { type: "object" },
  "io.k8s.api.core.v1.Pod": { type: "object", "x-kubernetes-group-version-kind": [{ group: "", version: "v1", kind: "Pod" }] },
};

test("gv paths follow the /openapi/v3 root's naming", () => {
  assert.equal(gvPathOf("", "v1"), "api/v1");
  assert.equal(gvPathOf("apps", "v1"), "apis/apps/v1");
  assert.deepEqual(
    servedDocuments().map((d) => d.gvPath),
    ["api/v1", "apis/apps/v1", "apis/authentication.k8s.io/v1", "apis/authorization.k8s.io/v1", "apis/autoscaling/v2", "apis/autoscaling/v1", "apis/batch/v1", "apis/certificates.k8s.io/v1", "apis/coordination.k8s.io/v1", "apis/discovery.k8s.io/v1", "apis/rbac.authorization.k8s.io/v1"],
  );
});

test("a group-version document has every REST path of its resources", () => {
  const doc = groupVersionDocument("coordination.k8s.io", "v1", SCHEMAS, { serverVersion: "v1.32.0" });
  assert.ok(doc);
  assert.equal(doc.openapi, "3.0.0");
  assert.deepEqual(Object.keys(doc.paths).sort(), [
    "/apis/coordination.k8s.io/v1/leases",
    "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases",
    "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}",
  ]);
  const coll = doc.paths["/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"];
  assert.deepEqual([coll.get?.["x-kubernetes-action"], coll.post?.["x-kubernetes-action"], coll.delete?.["x-kubernetes-action"]], ["list", "post", "deletecollection"]);
  assert.equal(coll.get?.operationId, "listCoordinationV1NamespacedLease");
  const item = doc.paths["/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}"];
  const patch = item.patch;
  assert.ok(patch);
  assert.deepEqual(patch["x-kubernetes-group-version-kind"], { group: "coordination.k8s.io", version: "v1", kind: "Lease" });
  assert.ok(patch.parameters?.some((p) => p.name === "fieldValidation" && p.in === "query"), "kubectl apply needs fieldValidation on PATCH");
  assert.ok(patch.requestBody?.content["application/strategic-merge-patch+json"]);
  assert.deepEqual(item.get?.responses["200"].content?.["application/json"].schema, ref("io.k8s.api.coordination.v1.Lease"));
  assert.equal(doc.paths["/apis/coordination.k8s.io/v1/leases"].get?.operationId, "listCoordinationV1LeaseForAllNamespaces");
});

test("components hold exactly what the paths reach, transitively", () => {
  const doc = groupVersionDocument("coordination.k8s.io", "v1", SCHEMAS, { serverVersion: "v1.32.0" });
  assert.deepEqual(Object.keys(doc?.components.schemas ?? {}), [
    "io.k8s.api.coordination.v1.Lease",
    "io.k8s.api.coordination.v1.LeaseList",
    "io.k8s.api.coordination.v1.LeaseSpec",
    `${meta}DeleteOptions`,
    `${meta}ListMeta`,
    `${meta}ObjectMeta`,
    `${meta}Patch`,
    `${meta}Status`,
  ]);
});

test("a group-version with no resource has no document", () => {
  assert.equal(groupVersionDocument("policy", "v1", SCHEMAS, { serverVersion: "v1.32.0" }), undefined);
});

test("missing kinds and dangling references are reported by name", () => {
  const resolve = schemaResolver(SCHEMAS);
  assert.equal(resolve({ group: "", version: "v1", kind: "Pod" }), "io.k8s.api.core.v1.Pod");
  assert.throws(() => resolve({ group: "apps", version: "v1", kind: "Deployment" }), /apps\/v1 Deployment/);
  assert.throws(() => schemaClosure(["a"], { a: { allOf: [ref("b")] } }), /schema b is referenced but not defined/);
});
