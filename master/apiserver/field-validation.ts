// Server-side field validation: the `fieldValidation` query parameter of create, update and patch.
//
//   Strict → 400 `Deployment in version "v1" cannot be handled as a Deployment: strict decoding
//            error: unknown field "spec.replcas"` (kubectl 1.32 sends this by default)
//   Warn   → the request goes ahead without the unknown fields; one `Warning: 299 - "unknown field
//            \"spec.replcas\""` header per field
//   Ignore → as before (and when the parameter is absent)
//
// The fields a kind knows come from the OpenAPI v3 schemas the server serves (k8s-schemas.json).
// Each schema is compiled once, lazily, into a small tree of nodes; a check walks only the body.
// Maps (`additionalProperties`) accept any key, `x-kubernetes-preserve-unknown-fields` and object
// schemas without properties (RawExtension, FieldsV1) accept anything below them.

import { errors } from "../../api/errors";
import type { Schema } from "../../api/openapi/types";

export type FieldValidation = "Strict" | "Warn" | "Ignore";

const VALID: readonly FieldValidation[] = ["Ignore", "Strict", "Warn"];

/** The directive of a request; absent or empty means Ignore. An unknown value is a 400 naming the parameter. */
export function parseFieldValidation(query: URLSearchParams): FieldValidation {
  const value = query.get("fieldValidation");
  if (value === null || value === "") return "Ignore";
  if ((VALID as readonly string[]).includes(value)) return value as FieldValidation;
  throw errors.badRequest(`fieldValidation: Unsupported value: ${JSON.stringify(value)}: supported values: "Ignore", "Strict", "Warn"`);
}

/** What a position in an object may hold. */
type Node =
  | { t: "any" }
  | { t: "scalar" }
  | { t: "array"; items: Node }
  | { t: "object"; props: Map<string, Node>; additional?: Node };

const ANY: Node = { t: "any" };
const SCALAR: Node = { t: "scalar" };
const REF_PREFIX = "#/components/schemas/";

export class FieldChecker {
  private readonly compiled = new Map<string, Node>();
  /** "group/version/Kind" → schema name. */
  private readonly byKind = new Map<string, string>();

  constructor(private readonly schemas: Readonly<Record<string, Schema>>) {
    for (const [name, schema] of Object.entries(schemas)) {
      for (const gvk of schema["x-kubernetes-group-version-kind"] ?? []) this.byKind.set(`${gvk.group}/${gvk.version}/${gvk.kind}`, name);
    }
  }

  /** Whether the checker knows the kind; unknown kinds are never checked. */
  knows(group: string, version: string, kind: string): boolean {
    return this.byKind.has(`${group}/${version}/${kind}`);
  }

  /**
   * The unknown fields of `obj` in body order, as Kubernetes names them: `spec.replcas`,
   * `spec.template.spec.containers[0].imagePullPolcy`. With `prune`, they are also deleted.
   */
  unknownFields(group: string, version: string, kind: string, obj: unknown, prune = false): string[] {
    const name = this.byKind.get(`${group}/${version}/${kind}`);
    if (!name) return [];
    const out: string[] = [];
    walk(this.named(name), obj, "", out, prune);
    return out;
  }

  private named(name: string): Node {
    const done = this.compiled.get(name);
    if (done) return done;
    const schema = this.schemas[name];
    if (!schema) return ANY;
    // Register an object node before compiling its properties, so recursive schemas terminate.
    if (isObjectWithProperties(schema)) {
      const node: Node = { t: "object", props: new Map() };
      this.compiled.set(name, node);
      this.fillObject(node, schema);
      return node;
    }
    const node = this.compile(schema);
    this.compiled.set(name, node);
    return node;
  }

  private compile(schema: Schema): Node {
    if ((schema as Record<string, unknown>)["x-kubernetes-preserve-unknown-fields"] === true) return ANY;
    if (schema.$ref) return schema.$ref.startsWith(REF_PREFIX) ? this.named(schema.$ref.slice(REF_PREFIX.length)) : ANY;
    if (schema.allOf?.length) {
      // The generated schemas wrap a reference in allOf; several parts are merged as objects.
      if (schema.allOf.length === 1 && !schema.properties) return this.compile(schema.allOf[0]);
      const parts = schema.allOf.map((s) => this.compile(s));
      if (schema.properties) parts.push(this.compile({ ...schema, allOf: undefined }));
      return mergeObjects(parts);
    }
    if (schema.oneOf) return ANY; // IntOrString, Quantity
    if (schema.type === "array") return { t: "array", items: schema.items ? this.compile(schema.items) : ANY };
    if (schema.properties) {
      const node: Node = { t: "object", props: new Map() };
      this.fillObject(node, schema);
      return node;
    }
    if (schema.additionalProperties !== undefined) {
      const ap = schema.additionalProperties;
      return { t: "object", props: new Map(), additional: typeof ap === "object" ? this.compile(ap) : ANY };
    }
    if (schema.type === "object" || schema.type === undefined) return ANY; // RawExtension, FieldsV1, untyped
    return SCALAR;
  }

  private fillObject(node: Node & { t: "object" }, schema: Schema): void {
    for (const [key, prop] of Object.entries(schema.properties ?? {})) node.props.set(key, this.compile(prop));
    const ap = schema.additionalProperties;
    if (ap !== undefined && ap !== false) node.additional = typeof ap === "object" ? this.compile(ap) : ANY;
  }
}

function isObjectWithProperties(schema: Schema): boolean {
  return !!schema.properties && !schema.$ref && !schema.allOf && (schema as Record<string, unknown>)["x-kubernetes-preserve-unknown-fields"] !== true;
}

function mergeObjects(parts: Node[]): Node {
  const props = new Map<string, Node>();
  let additional: Node | undefined;
  for (const p of parts) {
    if (p.t === "any") return ANY;
    if (p.t !== "object") continue;
    for (const [k, v] of p.props) props.set(k, v);
    if (p.additional) additional = p.additional;
  }
  return { t: "object", props, additional };
}

function walk(node: Node, value: unknown, path: string, out: string[], prune: boolean): void {
  if (node.t === "any" || node.t === "scalar" || value === null || typeof value !== "object") return;
  if (node.t === "array") {
    if (!Array.isArray(value)) return;
    if (node.items.t === "any" || node.items.t === "scalar") return;
    for (let i = 0; i < value.length; i++) walk(node.items, value[i], `${path}[${i}]`, out, prune);
    return;
  }
  if (Array.isArray(value)) return;
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    const child = node.props.get(key) ?? node.additional;
    const childPath = path ? `${path}.${key}` : key;
    if (child) {
      walk(child, obj[key], childPath, out, prune);
    } else {
      out.push(childPath);
      if (prune) delete obj[key];
    }
  }
}

/** `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "a", unknown field "b"` */
export function strictDecodingError(kind: string, version: string, unknown: readonly string[]) {
  const list = unknown.map((f) => `unknown field ${JSON.stringify(f)}`).join(", ");
  return errors.badRequest(`${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: strict decoding error: ${list}`);
}

/** The Warning header values for Warn: `299 - "unknown field \"spec.replcas\""`. */
export function unknownFieldWarnings(unknown: readonly string[]): string[] {
  return unknown.map((f) => `299 - ${JSON.stringify(`unknown field ${JSON.stringify(f)}`)}`);
}
