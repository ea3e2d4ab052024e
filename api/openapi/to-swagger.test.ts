import { test } from "node:test";
import assert from "node:assert/strict";
import { groupVersionDocument } from "./document";
import { swaggerSchema, toSwagger } from "./to-swagger";
import type { OpenApiDocument, Schema } from "./types";

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const meta = "io.k8s.apimachinery.pkg.apis.meta.v1.";
const lease = "io.k8s.api.coordination.v1.";

// Just enough for coordination.k8s.io/v1 (leases), with the shapes the real catalogue uses.
const SCHEMAS: Record<string, Schema> = {
  [`${lease}Lease`]: {
    description: "Lease defines a lease concept.",
    type: "object",
    properties: {
      metadata: { allOf: [ref(`${meta}ObjectMeta`)], description: "Standard object's metadata.", default: {} },
      spec: { allOf: [ref(`${lease}LeaseSpec`)], description: "spec contains the specification of the Lease." },
    },
    "x-kubernetes-group-version-kind": [{ group: "coordination.k8s.io", version: "v1", kind: "Lease" }],
  },
  [`${lease}LeaseSpec`]: {
    type: "object",
    required: ["holderIdentity"],
    properties: {
      holderIdentity: { type: "string" },
      leaseDurationSeconds: { type: "integer", format: "int32" },
      owners: { type: "array", items: { allOf: [ref(`${meta}OwnerReference`)] }, "x-kubernetes-patch-merge-key": "uid", "x-kubernetes-patch-strategy": "merge", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["uid"] },
      labels: { type: "object", additionalProperties: { type: "string" } },
      port: { allOf: [ref("io.k8s.apimachinery.pkg.util.intstr.IntOrString")] },
    },
  },
  [`${lease}LeaseList`]: {
    type: "object",
    properties: { items: { type: "array", items: { allOf: [ref(`${lease}Lease`)] } }, metadata: { allOf: [ref(`${meta}ListMeta`)] } },
    "x-kubernetes-group-version-kind": [{ group: "coordination.k8s.io", version: "v1", kind: "LeaseList" }],
  },
  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": { description: "int or string", format: "int-or-string", oneOf: [{ type: "integer" }, { type: "string" }] },
  [`${meta}OwnerReference`]: { type: "object", properties: { uid: { type: "string" } } },
  [`${meta}ObjectMeta`]: { type: "object", properties: { name: { type: "string" } } },
  [`${meta}ListMeta`]: { type: "object", properties: {} },
  [`${meta}Status`]: { type: "object", properties: {} },
  [`${meta}DeleteOptions`]: { type: "object", properties: {} },
  [`${meta}Patch`]: { type: "object" },
};

function leaseDocument(): OpenApiDocument {
  const d = groupVersionDocument("coordination.k8s.io", "v1", SCHEMAS, { serverVersion: "v1.32.0" });
  assert.ok(d);
  return d;
}

test("schemas become definitions; a wrapped reference becomes a plain $ref keeping its description", () => {
  const doc = toSwagger([leaseDocument()], { serverVersion: "v1.32.0" });
  assert.equal(doc.swagger, "2.0");
  assert.deepEqual(doc.info, { title: "Kubernetes", version: "v1.32.0" });
  const l = doc.definitions[`${lease}Lease`];
  assert.deepEqual(l.properties?.metadata, { $ref: `#/definitions/${meta}ObjectMeta`, description: "Standard object's metadata.", default: {} });
  assert.deepEqual(l["x-kubernetes-group-version-kind"], [{ group: "coordination.k8s.io", version: "v1", kind: "Lease" }]);
  const spec = doc.definitions[`${lease}LeaseSpec`];
  assert.deepEqual(spec.required, ["holderIdentity"]);
  assert.deepEqual(spec.properties?.owners, {
    type: "array",
    items: { $ref: `#/definitions/${meta}OwnerReference` },
    "x-kubernetes-patch-merge-key": "uid",
    "x-kubernetes-patch-strategy": "merge",
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["uid"],
  });
  assert.deepEqual(spec.properties?.labels, { type: "object", additionalProperties: { type: "string" } });
  assert.deepEqual(doc.definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"], { description: "int or string", format: "int-or-string", type: "string" });
  assert.ok(!JSON.stringify(doc).includes("#/components/"), "no v3 reference is left");
  assert.ok(!/"(allOf|oneOf)"/.test(JSON.stringify(doc)), "no allOf/oneOf is left");
});

test("operations: typed parameters, the body as a parameter, consumes/produces and the Kubernetes extensions", () => {
  const doc = toSwagger([leaseDocument()], { serverVersion: "v1.32.0" });
  const item = doc.paths["/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}"];
  assert.deepEqual(item.parameters?.map((p) => [p.name, p.in, p.type, p.required ?? false]), [
    ["name", "path", "string", true],
    ["namespace", "path", "string", true],
    ["pretty", "query", "string", false],
  ]);
  const patch = item.patch;
  assert.ok(patch);
  assert.equal(patch["x-kubernetes-action"], "patch");
  assert.deepEqual(patch["x-kubernetes-group-version-kind"], { group: "coordination.k8s.io", version: "v1", kind: "Lease" });
  assert.deepEqual(patch.consumes, ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"]);
  assert.deepEqual(patch.produces, ["application/json"]);
  // What kubectl's fieldValidation and dry-run checks look for on the PATCH operation.
  for (const name of ["fieldValidation", "dryRun"]) assert.ok(patch.parameters?.some((p) => p.name === name && p.in === "query" && p.type === "string"), name);
  assert.deepEqual(patch.parameters?.at(-1), { name: "body", in: "body", required: true, schema: { $ref: `#/definitions/${meta}Patch` } });
  assert.deepEqual(patch.responses["200"], { description: "OK", schema: { $ref: `#/definitions/${lease}Lease` } });
  const list = doc.paths["/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"].get;
  assert.ok(list?.parameters?.some((p) => p.name === "watch" && p.type === "boolean"));
  assert.equal(list?.consumes, undefined, "a GET has no body");
});

test("documents merge: paths of every group-version, one definition per schema", () => {
  const coreSchemas: Record<string, Schema> = { ...SCHEMAS, "io.k8s.api.core.v1.Pod": { type: "object", properties: { metadata: { allOf: [ref(`${meta}ObjectMeta`)] } } } };
  const other: OpenApiDocument = {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.32.0" },
    paths: {},
    components: { schemas: { "io.k8s.api.core.v1.Pod": coreSchemas["io.k8s.api.core.v1.Pod"], [`${meta}ObjectMeta`]: SCHEMAS[`${meta}ObjectMeta`] } },
  };
  const doc = toSwagger([leaseDocument(), other], { serverVersion: "v1.32.0" });
  assert.ok(doc.definitions["io.k8s.api.core.v1.Pod"]);
  assert.deepEqual(Object.keys(doc.definitions), [...Object.keys(doc.definitions)].sort());
  const changed: OpenApiDocument = { ...other, components: { schemas: { [`${meta}ObjectMeta`]: { type: "object", properties: { uid: { type: "string" } } } } } };
  assert.throws(() => toSwagger([leaseDocument(), changed], { serverVersion: "v" }), /ObjectMeta differs/);
  assert.throws(() => toSwagger([leaseDocument(), leaseDocument()], { serverVersion: "v" }), /is in two group-version documents/);
});

test("shapes v2 clients cannot read fail the conversion, naming the place", () => {
  assert.throws(() => swaggerSchema({ allOf: [ref("a"), ref("b")] }, "X.f"), /X\.f: allOf other than one wrapped \$ref/);
  assert.throws(() => swaggerSchema({ allOf: [ref("a")], type: "object" }, "X.g"), /X\.g: a wrapped \$ref with a type/);
  assert.throws(() => swaggerSchema({ type: "array" }, "X.h"), /X\.h: an array without items/);
  assert.throws(() => swaggerSchema({ oneOf: [{ type: "object" }, { type: "string" }] }, "X.i"), /X\.i: oneOf/);
  assert.throws(() => swaggerSchema({ $ref: "#/definitions/a" }, "X.j"), /not to a component schema/);
  const dangling = leaseDocument();
  dangling.components.schemas = { ...dangling.components.schemas, [`${lease}LeaseSpec`]: { type: "object", properties: { x: { allOf: [ref("Nowhere")] } } } };
  assert.throws(() => toSwagger([dangling], { serverVersion: "v" }), /Nowhere is referenced but not defined/);
});
