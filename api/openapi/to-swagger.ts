// OpenAPI v3 documents → one Swagger 2.0 document, the form `GET /openapi/v2` serves. The v3
// documents stay the single source: every path and schema here is a conversion of theirs.
//
//   v3                                               v2
//   #/components/schemas/X                           #/definitions/X
//   {allOf: [{$ref}], description, default, x-…}     {$ref, description, default, x-…}
//   {oneOf: [{type: integer}, {type: string}]}       {type: string} (IntOrString, Quantity)
//   parameter {schema: {type}}                       parameter {type}
//   requestBody {content: {t: {schema}}}             parameter {in: body, schema} + consumes: [t…]
//   response {content: {t: {schema}}}                response {schema} + produces: [t…]
//
// Why these shapes: kubectl before 1.27 parses the document with kube-openapi's proto models,
// which ignore `allOf` (a wrapped reference would read as "any value", so `explain` and client
// validation would see nothing below it), reject a `$ref` that has a `type` or `properties`,
// reject an array without exactly one item schema, and fail the whole document on a reference to
// a missing definition. Anything the conversion cannot express that way throws, so a schema
// change that v2 clients could not read fails the build instead of their commands.

import { DEFINITION_REF_PREFIX, type SwaggerDocument, type SwaggerNonBodyParameter, type SwaggerOperation, type SwaggerParameter, type SwaggerPathItem, type SwaggerResponse, type SwaggerSchema } from "./swagger-types";
import { SCHEMA_REF_PREFIX, type MediaTypes, type OpenApiDocument, type Operation, type Parameter, type PathItem, type Schema } from "./types";

const METHODS = ["get", "put", "post", "patch", "delete"] as const;
const PRIMITIVES = new Set(["string", "integer", "number", "boolean"]);

export interface SwaggerOptions {
  /** info.version: the Kubernetes version the server claims. */
  serverVersion: string;
}

/** Merges the group-version documents into one Swagger 2.0 document. */
export function toSwagger(documents: readonly OpenApiDocument[], opts: SwaggerOptions): SwaggerDocument {
  const paths: Record<string, SwaggerPathItem> = {};
  const schemas: Record<string, Schema> = {};
  for (const doc of documents) {
    for (const [p, item] of Object.entries(doc.paths)) {
      if (paths[p]) throw new Error(`openapi v2: path ${p} is in two group-version documents`);
      paths[p] = swaggerPathItem(item, p);
    }
    for (const [name, s] of Object.entries(doc.components.schemas)) {
      // Each document carries its own copy of shared schemas (ObjectMeta…); they come from one
      // catalogue, so a difference means two sources, which v2 cannot express.
      if (schemas[name] && JSON.stringify(schemas[name]) !== JSON.stringify(s)) throw new Error(`openapi v2: schema ${name} differs between group-version documents`);
      schemas[name] = s;
    }
  }
  const definitions: Record<string, SwaggerSchema> = {};
  for (const name of Object.keys(schemas).sort()) definitions[name] = swaggerSchema(schemas[name], name);
  for (const ref of referencedDefinitions(paths, definitions)) {
    if (!definitions[ref]) throw new Error(`openapi v2: ${ref} is referenced but not defined`);
  }
  return { swagger: "2.0", info: { title: "Kubernetes", version: opts.serverVersion }, paths, definitions };
}

function definitionRef(ref: string, where: string): string {
  if (!ref.startsWith(SCHEMA_REF_PREFIX)) throw new Error(`openapi v2: ${where}: reference ${ref} is not to a component schema`);
  return DEFINITION_REF_PREFIX + ref.slice(SCHEMA_REF_PREFIX.length);
}

/** One schema, recursively. `where` names it in errors ("io.k8s.api.apps.v1.DeploymentSpec.selector"). */
export function swaggerSchema(s: Schema, where: string): SwaggerSchema {
  const { $ref, allOf, oneOf, properties, additionalProperties, items, ...rest } = s;
  if ($ref !== undefined) {
    if (Object.keys(s).length > 1) throw new Error(`openapi v2: ${where}: a $ref with siblings (${Object.keys(s).join(", ")})`);
    return { $ref: definitionRef($ref, where) };
  }
  if (allOf !== undefined) {
    const [only, ...more] = allOf;
    if (!only?.$ref || more.length > 0 || Object.keys(only).length > 1) throw new Error(`openapi v2: ${where}: allOf other than one wrapped $ref`);
    if (rest.type !== undefined || properties !== undefined || items !== undefined || additionalProperties !== undefined) {
      throw new Error(`openapi v2: ${where}: a wrapped $ref with a type or fields of its own`);
    }
    return { $ref: definitionRef(only.$ref, where), ...rest };
  }
  const out: SwaggerSchema = { ...rest };
  if (oneOf !== undefined) {
    // Kubernetes' own v2 spells its two "string or number" types as strings, and clients treat
    // a string-typed value as accepting numbers too.
    const types = oneOf.map((o) => o.type);
    if (rest.type !== undefined || !types.every((t) => t !== undefined && PRIMITIVES.has(t)) || !types.includes("string")) {
      throw new Error(`openapi v2: ${where}: oneOf other than primitive alternatives including a string`);
    }
    out.type = "string";
  }
  if (properties !== undefined) {
    out.properties = {};
    for (const [field, fs] of Object.entries(properties)) out.properties[field] = swaggerSchema(fs, `${where}.${field}`);
  }
  if (additionalProperties !== undefined) {
    out.additionalProperties = typeof additionalProperties === "boolean" ? additionalProperties : swaggerSchema(additionalProperties, `${where}[*]`);
  }
  if (items !== undefined) out.items = swaggerSchema(items, `${where}[]`);
  if (out.type === "array" && out.items === undefined) throw new Error(`openapi v2: ${where}: an array without items`);
  return out;
}

function nonBodyParameter(p: Parameter, where: string): SwaggerNonBodyParameter {
  const type = p.schema.type;
  if (type !== "string" && type !== "integer" && type !== "boolean") throw new Error(`openapi v2: ${where}: parameter ${p.name} of type ${String(type)}`);
  const out: SwaggerNonBodyParameter = { name: p.name, in: p.in, type };
  if (p.description !== undefined) out.description = p.description;
  if (p.required !== undefined) out.required = p.required;
  if (p.uniqueItems !== undefined) out.uniqueItems = p.uniqueItems;
  return out;
}

/** The schema of the first content type (all of an operation's content types share one schema). */
function contentSchema(content: MediaTypes, where: string): SwaggerSchema | undefined {
  const first = Object.values(content)[0];
  return first ? swaggerSchema(first.schema, where) : undefined;
}

function swaggerOperation(op: Operation, where: string): SwaggerOperation {
  const parameters: SwaggerParameter[] = (op.parameters ?? []).map((p) => nonBodyParameter(p, where));
  let consumes: string[] | undefined;
  if (op.requestBody) {
    const schema = contentSchema(op.requestBody.content, `${where} body`);
    if (!schema) throw new Error(`openapi v2: ${where}: a request body without a content type`);
    consumes = Object.keys(op.requestBody.content);
    parameters.push({ name: "body", in: "body", required: op.requestBody.required, schema });
  }
  const produces = new Set<string>();
  const responses: Record<string, SwaggerResponse> = {};
  for (const [code, r] of Object.entries(op.responses)) {
    const response: SwaggerResponse = { description: r.description };
    if (r.content) {
      for (const t of Object.keys(r.content)) produces.add(t);
      const schema = contentSchema(r.content, `${where} response ${code}`);
      if (schema) response.schema = schema;
    }
    responses[code] = response;
  }
  return {
    tags: op.tags,
    description: op.description,
    operationId: op.operationId,
    ...(consumes ? { consumes } : {}),
    ...(produces.size > 0 ? { produces: [...produces] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    responses,
    "x-kubernetes-action": op["x-kubernetes-action"],
    "x-kubernetes-group-version-kind": op["x-kubernetes-group-version-kind"],
  };
}

function swaggerPathItem(item: PathItem, path: string): SwaggerPathItem {
  const out: SwaggerPathItem = {};
  if (item.parameters) out.parameters = item.parameters.map((p) => nonBodyParameter(p, path));
  for (const m of METHODS) {
    const op = item[m];
    if (op) out[m] = swaggerOperation(op, `${m.toUpperCase()} ${path}`);
  }
  return out;
}

/** Every definition name a `$ref` in `value` points at. */
function referencedDefinitions(...values: unknown[]): Set<string> {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if (k === "$ref" && typeof x === "string") found.add(x.slice(DEFINITION_REF_PREFIX.length));
        else walk(x);
      }
    }
  };
  values.forEach(walk);
  return found;
}
