import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { parse as parseYaml } from "yaml";
import { RESOURCES } from "../../../api/resources";
import type { SwaggerDocument, SwaggerParameter, SwaggerPathItem, SwaggerSchema } from "../../../api/openapi/swagger-types";
import { buildOpenApiV2 } from "./openapi-v2";
import { buildOpenApiV3 } from "./openapi-v3";
import { openApiV2DocumentType } from "./swagger-protobuf";

const v3 = buildOpenApiV3();
const v2 = buildOpenApiV2(v3, { now: new Date("2026-01-02T03:04:05.678Z") });
const doc = v2.document;

// The decoded messages (protobufjs toObject, field names as in protobuf/schema/openapiv2.proto).
interface AnyMsg { yaml: string }
interface NamedAnyMsg { name: string; value: AnyMsg }
interface SchemaMsg {
  _ref?: string;
  description?: string;
  type?: { value: string[] };
  format?: string;
  required?: string[];
  default?: AnyMsg;
  enum?: AnyMsg[];
  properties?: { additional_properties: { name: string; value: SchemaMsg }[] };
  additional_properties?: { schema?: SchemaMsg; boolean?: boolean };
  items?: { schema: SchemaMsg[] };
  vendor_extension?: NamedAnyMsg[];
}
interface SubSchemaMsg { name: string; in: string; type: string; description?: string; required?: boolean; unique_items?: boolean }
interface ParameterMsg {
  parameter: {
    body_parameter?: { name: string; required?: boolean; schema: SchemaMsg };
    non_body_parameter?: { query_parameter_sub_schema?: SubSchemaMsg; path_parameter_sub_schema?: SubSchemaMsg };
  };
}
interface OperationMsg {
  tags: string[];
  description: string;
  operation_id: string;
  consumes?: string[];
  produces?: string[];
  parameters?: ParameterMsg[];
  responses: { response_code: { name: string; value: { response: { description: string; schema?: { schema: SchemaMsg } } } }[] };
  vendor_extension?: NamedAnyMsg[];
}
type PathItemMsg = { parameters?: ParameterMsg[] } & Partial<Record<"get" | "put" | "post" | "patch" | "delete", OperationMsg>>;
interface DocumentMsg {
  swagger: "2.0";
  info: { title: string; version: string };
  paths: { path: { name: string; value: PathItemMsg }[] };
  definitions: { additional_properties: { name: string; value: SchemaMsg }[] };
}

// The protobuf decoded with protobuf/schema/openapiv2.proto and mapped back to the JSON shape, the
// way gnostic's clients read it (vendor extensions and defaults parsed from their YAML text).
const yamlValue = (a: AnyMsg): unknown => parseYaml(a.yaml);

function extensionsOf(m: { vendor_extension?: NamedAnyMsg[] }): Record<string, unknown> {
  return Object.fromEntries((m.vendor_extension ?? []).map((e) => [e.name, yamlValue(e.value)]));
}

function schemaOf(m: SchemaMsg): SwaggerSchema {
  const s: Record<string, unknown> = {};
  if (m._ref) s.$ref = m._ref;
  if (m.description) s.description = m.description;
  if (m.type) s.type = m.type.value[0];
  if (m.format) s.format = m.format;
  if (m.required) s.required = m.required;
  if (m.default) s.default = yamlValue(m.default);
  if (m.enum) s.enum = m.enum.map(yamlValue);
  if (m.properties) s.properties = Object.fromEntries(m.properties.additional_properties.map((p) => [p.name, schemaOf(p.value)]));
  if (m.additional_properties) s.additionalProperties = m.additional_properties.schema ? schemaOf(m.additional_properties.schema) : m.additional_properties.boolean;
  if (m.items) s.items = schemaOf(m.items.schema[0]);
  return { ...s, ...extensionsOf(m) } as SwaggerSchema;
}

function parameterOf(m: ParameterMsg): SwaggerParameter {
  const body = m.parameter.body_parameter;
  if (body) return { name: "body", in: "body", required: body.required ?? false, schema: schemaOf(body.schema) };
  const sub = m.parameter.non_body_parameter?.query_parameter_sub_schema ?? m.parameter.non_body_parameter?.path_parameter_sub_schema;
  assert.ok(sub, "a parameter that is neither body, query nor path");
  return { name: sub.name, in: sub.in, type: sub.type, ...(sub.description ? { description: sub.description } : {}), ...(sub.required ? { required: true } : {}), ...(sub.unique_items ? { uniqueItems: true } : {}) } as SwaggerParameter;
}

function pathItemOf(m: PathItemMsg): SwaggerPathItem {
  const item: Record<string, unknown> = {};
  if (m.parameters) item.parameters = m.parameters.map(parameterOf);
  for (const method of ["get", "put", "post", "patch", "delete"] as const) {
    const op = m[method];
    if (!op) continue;
    item[method] = {
      tags: op.tags,
      description: op.description,
      operationId: op.operation_id,
      ...(op.consumes ? { consumes: op.consumes } : {}),
      ...(op.produces ? { produces: op.produces } : {}),
      ...(op.parameters ? { parameters: op.parameters.map(parameterOf) } : {}),
      responses: Object.fromEntries(
        op.responses.response_code.map((r) => [r.name, { description: r.value.response.description, ...(r.value.response.schema ? { schema: schemaOf(r.value.response.schema.schema) } : {}) }]),
      ),
      ...extensionsOf(op),
    };
  }
  return item as SwaggerPathItem;
}

function decodeProtobuf(bytes: Buffer): SwaggerDocument {
  const type = openApiV2DocumentType();
  const m = type.toObject(type.decode(bytes), { longs: Number }) as DocumentMsg;
  return {
    swagger: m.swagger,
    info: { title: m.info.title, version: m.info.version },
    paths: Object.fromEntries(m.paths.path.map((p) => [p.name, pathItemOf(p.value)])),
    definitions: Object.fromEntries(m.definitions.additional_properties.map((d) => [d.name, schemaOf(d.value)])),
  };
}

test("the protobuf decodes (with our .proto) back to exactly the JSON document", () => {
  const decoded = decodeProtobuf(v2.protobuf.body);
  // JSON drops nothing that matters; compare through a JSON round trip of both sides.
  assert.deepEqual(JSON.parse(JSON.stringify(decoded)), JSON.parse(v2.json.body.toString()));
  assert.deepEqual(gunzipSync(v2.protobuf.gzipped), v2.protobuf.body);
  assert.deepEqual(JSON.parse(gunzipSync(v2.json.gzipped).toString()), doc);
});

test("one document: the paths of every v3 document, every referenced definition present", () => {
  const v3Paths = v3.gvPaths().flatMap((gv) => Object.keys(v3.document(gv)?.paths ?? {}));
  assert.deepEqual(Object.keys(doc.paths).sort(), [...v3Paths].sort());
  const refs = new Set<string>();
  JSON.stringify(doc, (k, v: unknown) => {
    if (k === "$ref") refs.add(String(v));
    return v;
  });
  assert.ok(refs.size > 100);
  for (const r of refs) {
    assert.ok(r.startsWith("#/definitions/"), r);
    assert.ok(doc.definitions[r.slice("#/definitions/".length)], `${r} is not defined`);
  }
  assert.ok(!/"(allOf|oneOf)"/.test(v2.json.body.toString()));
});

test("every served kind has a definition with its group-version-kind, and a PATCH kubectl recognises", () => {
  for (const r of RESOURCES) {
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    const defs = Object.values(doc.definitions).filter((s) => s["x-kubernetes-group-version-kind"]?.some((k) => k.group === gvk.group && k.version === gvk.version && k.kind === gvk.kind));
    assert.equal(defs.length, 1, `${r.group}/${r.version} ${r.kind}`);
    if (!r.verbs.includes("patch")) continue;
    const patches = Object.values(doc.paths)
      .map((item) => item.patch)
      .filter((op) => op && op["x-kubernetes-group-version-kind"].kind === r.kind && op["x-kubernetes-group-version-kind"].group === r.group && op["x-kubernetes-group-version-kind"].version === r.version);
    assert.ok(patches.length > 0, `no PATCH for ${r.kind}`);
    for (const op of patches) {
      assert.ok(op?.parameters?.some((p) => p.name === "fieldValidation" && p.in === "query"), `${r.kind}: fieldValidation`);
      assert.ok(op?.parameters?.some((p) => p.name === "dryRun" && p.in === "query"), `${r.kind}: dryRun`);
    }
  }
  const containers = doc.definitions["io.k8s.api.core.v1.PodSpec"].properties?.containers;
  assert.equal(containers?.["x-kubernetes-patch-merge-key"], "name");
  assert.equal(containers?.["x-kubernetes-patch-strategy"], "merge");
});

test("kubectl debug's pods/ephemeralcontainers and the agents' nodes/proxy are listed, in the protobuf too", () => {
  const decoded = decodeProtobuf(v2.protobuf.body);
  for (const d of [doc, decoded]) {
    const ephemeral = d.paths["/api/v1/namespaces/{namespace}/pods/{name}/ephemeralcontainers"];
    assert.deepEqual(["get", "put", "patch"].map((m) => ephemeral?.[m as "get" | "put" | "patch"]?.["x-kubernetes-group-version-kind"]?.kind), ["Pod", "Pod", "Pod"]);
    assert.equal(ephemeral?.patch?.operationId, "patchCoreV1NamespacedPodEphemeralcontainers");
    assert.ok(ephemeral?.patch?.consumes?.includes("application/strategic-merge-patch+json"), "kubectl debug sends a strategic merge patch");
    assert.equal(ephemeral?.post, undefined);
    for (const path of ["/api/v1/nodes/{name}/proxy", "/api/v1/nodes/{name}/proxy/{path}"]) {
      const proxy = d.paths[path];
      assert.equal(proxy?.get?.["x-kubernetes-action"], "connect", path);
      assert.deepEqual(Object.keys(proxy ?? {}).filter((k) => k !== "parameters"), ["get"], `${path}: GET only`);
    }
  }
});

test("the ETag is the SHA-512 of the JSON, Last-Modified whole seconds", () => {
  assert.equal(v2.etag, `"${createHash("sha512").update(v2.json.body).digest("hex").toUpperCase()}"`);
  assert.equal(v2.lastModified.toISOString(), "2026-01-02T03:04:05.000Z");
});
