// The protobuf form of the Swagger 2.0 document, as client-go asks for it
// (`Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`) and decodes it: a
// gnostic openapi.v2.Document, described by protobuf/schema/openapiv2.proto. This file maps the
// JSON shape onto those messages; protobufjs does the encoding.
//
// Vendor extensions and free-form values (`default`, `enum`) travel as YAML text in `Any.yaml`;
// clients parse it with a YAML 1.1 reader. We write JSON, which is valid YAML and quotes every
// string, so no value can change meaning on the way (YAML 1.1 would read a bare `on` as true).

import fs from "node:fs";
import path from "node:path";
import * as protobuf from "protobufjs";
import type { SwaggerDocument, SwaggerOperation, SwaggerParameter, SwaggerPathItem, SwaggerSchema } from "../../../api/openapi/swagger-types";
import { defaultSchemaDirs } from "../protobuf/schema";

const PROTO_FILE = "openapiv2.proto";
const METHODS = ["get", "put", "post", "delete", "patch"] as const;
/** Every key a SwaggerSchema may carry that is not a vendor extension. */
const SCHEMA_KEYS = new Set(["$ref", "format", "description", "default", "required", "enum", "additionalProperties", "type", "items", "properties"]);

type Message = Record<string, unknown>;

let documentType: protobuf.Type | undefined;

/** The openapi.v2.Document type, loaded once from protobuf/schema/openapiv2.proto. */
export function openApiV2DocumentType(): protobuf.Type {
  if (documentType) return documentType;
  const dir = defaultSchemaDirs().find((d) => fs.existsSync(path.join(d, PROTO_FILE)));
  if (!dir) throw new Error(`openapi v2: ${PROTO_FILE} not found in ${defaultSchemaDirs().join(", ")}`);
  const root = new protobuf.Root();
  root.loadSync(path.join(dir, PROTO_FILE), { keepCase: true });
  root.resolveAll();
  documentType = root.lookupType("openapi.v2.Document");
  return documentType;
}

export function encodeSwaggerProtobuf(doc: SwaggerDocument): Buffer {
  const type = openApiV2DocumentType();
  const message = type.fromObject({
    swagger: doc.swagger,
    info: { title: doc.info.title, version: doc.info.version },
    paths: { path: Object.entries(doc.paths).map(([name, item]) => ({ name, value: pathItemMessage(item) })) },
    definitions: { additional_properties: named(doc.definitions) },
  });
  return Buffer.from(type.encode(message).finish());
}

function yamlAny(value: unknown): Message {
  return { yaml: JSON.stringify(value) };
}

function vendorExtensions(o: object): Message[] {
  return Object.entries(o)
    .filter(([k]) => k.startsWith("x-"))
    .map(([name, value]) => ({ name, value: yamlAny(value) }));
}

function named(schemas: Record<string, SwaggerSchema>): Message[] {
  return Object.entries(schemas).map(([name, s]) => ({ name, value: schemaMessage(s) }));
}

function schemaMessage(s: SwaggerSchema): Message {
  for (const k of Object.keys(s)) if (!SCHEMA_KEYS.has(k) && !k.startsWith("x-")) throw new Error(`openapi v2 protobuf: schema key ${k} has no mapping`);
  const m: Message = {};
  if (s.$ref !== undefined) m._ref = s.$ref;
  if (s.format !== undefined) m.format = s.format;
  if (s.description !== undefined) m.description = s.description;
  if (s.default !== undefined) m.default = yamlAny(s.default);
  if (s.required !== undefined) m.required = s.required;
  if (s.enum !== undefined) m.enum = s.enum.map(yamlAny);
  if (s.additionalProperties !== undefined) {
    m.additional_properties = typeof s.additionalProperties === "boolean" ? { boolean: s.additionalProperties } : { schema: schemaMessage(s.additionalProperties) };
  }
  if (s.type !== undefined) m.type = { value: [s.type] };
  if (s.items !== undefined) m.items = { schema: [schemaMessage(s.items)] };
  if (s.properties !== undefined) m.properties = { additional_properties: named(s.properties) };
  const ext = vendorExtensions(s);
  if (ext.length > 0) m.vendor_extension = ext;
  return m;
}

function parameterMessage(p: SwaggerParameter): Message {
  if (p.in === "body") {
    return { parameter: { body_parameter: { name: p.name, in: p.in, required: p.required, schema: schemaMessage(p.schema) } } };
  }
  const sub: Message = { name: p.name, in: p.in, type: p.type };
  if (p.description !== undefined) sub.description = p.description;
  if (p.required !== undefined) sub.required = p.required;
  if (p.uniqueItems !== undefined) sub.unique_items = p.uniqueItems;
  const which = p.in === "query" ? "query_parameter_sub_schema" : "path_parameter_sub_schema";
  return { parameter: { non_body_parameter: { [which]: sub } } };
}

function operationMessage(op: SwaggerOperation): Message {
  const m: Message = { tags: op.tags, description: op.description, operation_id: op.operationId };
  if (op.produces) m.produces = op.produces;
  if (op.consumes) m.consumes = op.consumes;
  if (op.parameters) m.parameters = op.parameters.map(parameterMessage);
  m.responses = {
    response_code: Object.entries(op.responses).map(([code, r]) => ({
      name: code,
      value: { response: { description: r.description, ...(r.schema ? { schema: { schema: schemaMessage(r.schema) } } : {}) } },
    })),
  };
  m.vendor_extension = vendorExtensions(op);
  return m;
}

function pathItemMessage(item: SwaggerPathItem): Message {
  const m: Message = {};
  for (const method of METHODS) {
    const op = item[method];
    if (op) m[method] = operationMessage(op);
  }
  if (item.parameters) m.parameters = item.parameters.map(parameterMessage);
  return m;
}
