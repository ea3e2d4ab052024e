import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { RESOURCES, apiVersionOf } from "../../../api/resources";
import type { OpenApiDocument, Schema } from "../../../api/openapi/types";
import { buildOpenApiV3, defaultSchemasFile } from "./openapi-v3";

const api = buildOpenApiV3();

function doc(gvPath: string): OpenApiDocument {
  const d = api.document(gvPath);
  assert.ok(d, `${gvPath} not served`);
  return d;
}

function schema(d: OpenApiDocument, name: string): Schema {
  const s = d.components.schemas[name];
  assert.ok(s, `${name} missing`);
  return s;
}

test("the root points at every served group-version by content hash", () => {
  const root = api.root();
  assert.deepEqual(Object.keys(root.paths), ["api/v1", "apis/apps/v1", "apis/authentication.k8s.io/v1", "apis/authorization.k8s.io/v1", "apis/autoscaling/v2", "apis/autoscaling/v1", "apis/batch/v1", "apis/certificates.k8s.io/v1", "apis/coordination.k8s.io/v1", "apis/discovery.k8s.io/v1", "apis/rbac.authorization.k8s.io/v1"]);
  for (const [gv, entry] of Object.entries(root.paths)) {
    const s = api.serialized(gv);
    assert.ok(s);
    assert.equal(s.hash, createHash("sha256").update(s.body).digest("hex").toUpperCase());
    assert.equal(entry.serverRelativeURL, `/openapi/v3/${gv}?hash=${s.hash}`);
    assert.deepEqual(JSON.parse(s.body.toString()), s.document);
  }
  assert.deepEqual(JSON.parse(api.rootBody().toString()), root);
});

test("every served kind has its schema, found by group-version-kind, in its own document", () => {
  for (const r of RESOURCES) {
    const d = doc(r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`);
    for (const kind of r.verbs.includes("list") ? [r.kind, r.listKind] : [r.kind]) {
      const hits = Object.values(d.components.schemas).filter((s) =>
        (s["x-kubernetes-group-version-kind"] ?? []).some((k) => k.kind === kind && apiVersionOf(k) === apiVersionOf(r)),
      );
      assert.equal(hits.length, 1, `${apiVersionOf(r)} ${kind}`);
    }
  }
});

test("each PATCH operation carries what kubectl apply looks for", () => {
  for (const gv of api.gvPaths()) {
    const d = doc(gv);
    for (const [p, item] of Object.entries(d.paths)) {
      if (!item.patch) continue;
      assert.equal(item.patch["x-kubernetes-action"], "patch", p);
      assert.ok(item.patch["x-kubernetes-group-version-kind"].kind, p);
      assert.ok(item.patch.parameters?.some((x) => x.name === "fieldValidation" && x.in === "query"), `${p}: no fieldValidation`);
      assert.ok(item.patch.requestBody?.content["application/strategic-merge-patch+json"], `${p}: no SMP content type`);
    }
  }
  const deploy = doc("apis/apps/v1").paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
  assert.deepEqual(deploy.patch?.["x-kubernetes-group-version-kind"], { group: "apps", version: "v1", kind: "Deployment" });
  for (const verb of ["get", "put", "patch", "delete"] as const) assert.ok(deploy[verb], `deployment ${verb}`);
});

test("subresource paths name the kinds they speak", () => {
  const core = doc("api/v1").paths;
  assert.deepEqual(core["/api/v1/namespaces/{namespace}/pods/{name}/eviction"].post?.["x-kubernetes-group-version-kind"], { group: "policy", version: "v1", kind: "Eviction" });
  assert.equal(core["/api/v1/namespaces/{namespace}/pods/{name}/log"].get?.["x-kubernetes-action"], "get");
  assert.equal(core["/api/v1/namespaces/{namespace}/pods/{name}/exec"].post?.["x-kubernetes-action"], "connect");
  assert.equal(core["/api/v1/nodes/{name}/status"].patch?.["x-kubernetes-group-version-kind"].kind, "Node");
  const scale = doc("apis/apps/v1").paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"];
  assert.deepEqual(scale.patch?.["x-kubernetes-group-version-kind"], { group: "autoscaling", version: "v1", kind: "Scale" });
  assert.ok(doc("apis/apps/v1").components.schemas["io.k8s.api.autoscaling.v1.Scale"]);
  assert.ok(doc("api/v1").components.schemas["io.k8s.api.policy.v1.Eviction"]);
});

test("every $ref in a document resolves inside that document", () => {
  for (const gv of api.gvPaths()) {
    const s = api.serialized(gv);
    assert.ok(s);
    const refs = new Set([...s.body.toString().matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]));
    for (const r of refs) assert.ok(s.document.components.schemas[r], `${gv}: dangling $ref ${r}`);
  }
});

test("the schemas keep the strategic-merge markers kubectl computes patches with", () => {
  const apps = doc("apis/apps/v1");
  const containers = schema(apps, "io.k8s.api.core.v1.PodSpec").properties?.containers;
  assert.equal(containers?.["x-kubernetes-patch-merge-key"], "name");
  assert.equal(containers?.["x-kubernetes-patch-strategy"], "merge");
  assert.deepEqual(containers?.items, { allOf: [{ $ref: "#/components/schemas/io.k8s.api.core.v1.Container" }], default: {} });
  assert.equal(schema(apps, "io.k8s.api.apps.v1.DeploymentSpec").properties?.strategy["x-kubernetes-patch-strategy"], "retainKeys");
  const ports = schema(apps, "io.k8s.api.core.v1.Container").properties?.ports;
  assert.deepEqual(ports?.["x-kubernetes-list-map-keys"], ["containerPort", "protocol"]);
  const pod = schema(doc("api/v1"), "io.k8s.api.core.v1.Pod");
  assert.match(pod.description ?? "", /^Pod is a collection of containers/);
  assert.deepEqual(pod["x-kubernetes-group-version-kind"], [{ group: "", kind: "Pod", version: "v1" }]);
});

test("documents are built once: the same bytes come back on every call", () => {
  assert.equal(api.serialized("apis/apps/v1")?.body, api.serialized("/apis/apps/v1/")?.body);
  assert.equal(api.document("apis/nope/v1"), undefined);
  assert.equal(api.hash("apis/policy/v1"), undefined);
});

test("a hash changes exactly when its document's content does", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "gantry-openapi-"));
  try {
    const file = path.join(dir, "schemas.json");
    const raw = JSON.parse(readFileSync(defaultSchemasFile(), "utf8")) as { schemas: Record<string, Schema> };
    raw.schemas["io.k8s.api.core.v1.Pod"].description = "changed";
    writeFileSync(file, JSON.stringify(raw));
    const changed = buildOpenApiV3({ schemasFile: file });
    assert.notEqual(changed.hash("api/v1"), api.hash("api/v1"));
    assert.equal(changed.hash("apis/coordination.k8s.io/v1"), api.hash("apis/coordination.k8s.io/v1"), "Lease does not reference Pod");
    assert.notEqual(changed.rootEtag(), api.rootEtag());
    assert.equal(buildOpenApiV3().hash("api/v1"), api.hash("api/v1"), "same content, same hash");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a missing or malformed schema file is reported with its path", () => {
  assert.throws(() => buildOpenApiV3({ schemasFile: "/nonexistent/k8s-schemas.json" }), /cannot read schemas from \/nonexistent\/k8s-schemas\.json/);
  const dir = mkdtempSync(path.join(os.tmpdir(), "gantry-openapi-"));
  try {
    const file = path.join(dir, "bad.json");
    writeFileSync(file, "{}");
    assert.throws(() => buildOpenApiV3({ schemasFile: file }), /has no "schemas" object/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
