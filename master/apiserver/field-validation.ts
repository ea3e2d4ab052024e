// Server-side field validation: the `fieldValidation` query parameter of create, update and patch.
//
//   Strict → 400 `Deployment in version "v1" cannot be handled as a Deployment: strict decoding
//            error: unknown field "spec.replcas"` (kubectl 1.32 sends this by default)
//   Warn   → the request goes ahead without the unknown fields; one `Warning: 299 - "unknown field
//            \"spec.replcas\""` header per field
//   Ignore → as before (and when the parameter is absent)
//
// Whatever the directive, a value of the wrong shape (an object or array where the schema has a
// string or number, a scalar where it has an object or a list) is a 400, as Kubernetes' decoder
// refuses it: `ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal
// object into Go struct field ObjectMeta.metadata.annotations.a of type string`. Without this,
// anything could hide under such a value, however deep, unchecked.
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

/**
 * What a position in an object may hold. `go` is the Go type Kubernetes decodes it into, for
 * messages; `struct` names the Go struct an object node is.
 */
type Node =
  | { t: "any" }
  | { t: "scalar"; go: string }
  | { t: "array"; items: Node; go: string }
  | { t: "object"; props: Map<string, Node>; additional?: Node; go: string; struct?: string };

const ANY: Node = { t: "any" };
const REF_PREFIX = "#/components/schemas/";

/** A value whose JSON type does not fit its schema, e.g. an object where a string belongs. */
export interface TypeMismatch {
  path: string;
  /** The Go struct holding the field, e.g. `ObjectMeta`. */
  struct: string;
  /** What the body has: object, array, string, number or bool (Go's words). */
  got: string;
  /** The Go type the field decodes into: string, int32, []v1.Container, map[string]string, ... */
  want: string;
}

/** What one walk over an object finds. */
export interface FieldReport {
  unknown: string[];
  mismatches: TypeMismatch[];
}

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
    return this.inspect(group, version, kind, obj, prune).unknown;
  }

  /** Unknown fields and values of the wrong JSON type, in body order. Values of the wrong type are not looked into. */
  inspect(group: string, version: string, kind: string, obj: unknown, prune = false): FieldReport {
    const report: FieldReport = { unknown: [], mismatches: [] };
    const name = this.byKind.get(`${group}/${version}/${kind}`);
    if (name) walk(this.named(name), obj, "", kind, report, prune);
    return report;
  }

  private named(name: string): Node {
    const done = this.compiled.get(name);
    if (done) return done;
    const schema = this.schemas[name];
    if (!schema) return ANY;
    // Register an object node before compiling its properties, so recursive schemas terminate.
    if (isObjectWithProperties(schema)) {
      const node: Node = { t: "object", props: new Map(), go: goName(name), struct: name.slice(name.lastIndexOf(".") + 1) };
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
    if (schema.type === "array") {
      const items = schema.items ? this.compile(schema.items) : ANY;
      return { t: "array", items, go: `[]${goOf(items)}` };
    }
    if (schema.properties) {
      const node: Node = { t: "object", props: new Map(), go: "struct" };
      this.fillObject(node, schema);
      return node;
    }
    if (schema.additionalProperties !== undefined) {
      const ap = schema.additionalProperties;
      const additional = typeof ap === "object" ? this.compile(ap) : ANY;
      return { t: "object", props: new Map(), additional, go: `map[string]${goOf(additional)}` };
    }
    if (schema.type === "object" || schema.type === undefined) return ANY; // RawExtension, FieldsV1, untyped
    return { t: "scalar", go: goScalar(schema) };
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
  let go = "struct";
  let struct: string | undefined;
  for (const p of parts) {
    if (p.t === "any") return ANY;
    if (p.t !== "object") continue;
    for (const [k, v] of p.props) props.set(k, v);
    if (p.additional) additional = p.additional;
    if (p.struct && !struct) ({ go, struct } = p);
  }
  return { t: "object", props, additional, go, struct };
}

/** `io.k8s.api.core.v1.Container` → `v1.Container`, as Go prints the type. */
function goName(schemaName: string): string {
  const parts = schemaName.split(".");
  return parts.slice(-2).join(".");
}

function goOf(node: Node): string {
  return node.t === "any" ? "interface {}" : node.go;
}

function goScalar(schema: Schema): string {
  if (schema.type === "integer") return schema.format === "int64" ? "int64" : schema.format === "int32" ? "int32" : "int";
  if (schema.type === "number") return "float64";
  if (schema.type === "boolean") return "bool";
  return "string";
}

/** Go's name for the JSON type of a value, as in `cannot unmarshal object into ...`. */
function jsonTypeName(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (typeof value === "boolean") return "bool";
  return typeof value === "object" ? "object" : typeof value;
}

/**
 * Recursion is bounded by the schema, not the body: the walk goes only where the schema has
 * objects and lists, and stops at values of the wrong type.
 */
function walk(node: Node, value: unknown, path: string, struct: string, report: FieldReport, prune: boolean): void {
  if (node.t === "any" || value === null) return;
  const isArray = Array.isArray(value);
  const isObject = typeof value === "object" && !isArray;
  const fits = node.t === "scalar" ? typeof value !== "object" : node.t === "array" ? isArray : isObject;
  if (!fits) {
    report.mismatches.push({ path, struct, got: jsonTypeName(value), want: node.go });
    return;
  }
  if (node.t === "scalar") return;
  if (node.t === "array") {
    if (node.items.t === "any") return;
    const items = value as unknown[];
    for (let i = 0; i < items.length; i++) walk(node.items, items[i], `${path}[${i}]`, struct, report, prune);
    return;
  }
  const obj = value as Record<string, unknown>;
  const holder = node.struct ?? struct;
  for (const key of Object.keys(obj)) {
    const child = node.props.get(key) ?? node.additional;
    const childPath = path ? `${path}.${key}` : key;
    if (child) {
      walk(child, obj[key], childPath, holder, report, prune);
    } else {
      report.unknown.push(childPath);
      if (prune) delete obj[key];
    }
  }
}

/** `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "a", unknown field "b"` */
export function strictDecodingError(kind: string, version: string, unknown: readonly string[]) {
  const list = unknown.map((f) => `unknown field ${JSON.stringify(f)}`).join(", ");
  return errors.badRequest(`${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: strict decoding error: ${list}`);
}

/** `ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal object into Go struct field ObjectMeta.metadata.annotations.a of type string` */
export function typeMismatchError(kind: string, version: string, mismatch: TypeMismatch) {
  const { path, struct, got, want } = mismatch;
  const where = path ? `Go struct field ${struct}.${path}` : `Go value of type ${struct}`;
  return errors.badRequest(`${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: json: cannot unmarshal ${got} into ${where} of type ${want}`);
}

/** The Warning header values for Warn: `299 - "unknown field \"spec.replcas\""`. */
export function unknownFieldWarnings(unknown: readonly string[]): string[] {
  return unknown.map((f) => `299 - ${JSON.stringify(`unknown field ${JSON.stringify(f)}`)}`);
}
