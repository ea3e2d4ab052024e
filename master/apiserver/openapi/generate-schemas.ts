// Development tool, not part of the running master: turns the `kubernetes-types` declarations
// (generated upstream from the Kubernetes OpenAPI, with every field's documentation) into the
// OpenAPI v3 component schemas of the kinds Gantry serves, written to k8s-schemas.json beside
// this file. The running master reads that JSON; it never needs `kubernetes-types` or TypeScript.
//
// What the declarations do not carry (formats beyond int32, and the patch/list extensions that
// strategic merge patch needs) is added elsewhere: int64 fields here, the extensions at load
// time from api/openapi/extensions.ts.
//
//   npx tsc -p tsconfig.json && node dist/master/apiserver/openapi/generate-schemas.js

import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { GROUP_VERSIONS } from "../../../api/resources";
import type { Schema } from "../../../api/openapi/types";

const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

/** Numeric fields that are int64 upstream; every other integer is int32. */
const INT64_FIELDS = new Set([
  "activeDeadlineSeconds", "deletionGracePeriodSeconds", "expirationSeconds", "fsGroup", "generation",
  "gracePeriodSeconds", "observedGeneration", "remainingItemCount", "revision", "runAsGroup", "runAsUser", "sizeBytes",
  "startingDeadlineSeconds", "supplementalGroups", "terminationGracePeriodSeconds", "tolerationSeconds",
]);

/** Maps whose values are base64 bytes upstream (`format: byte`); the declarations say string. */
const BYTE_MAPS = new Set(["Secret.data", "ConfigMap.binaryData"]);

/** kubernetes-types module ("core/v1", "meta/v1", "api/resource") → OpenAPI name prefix. */
function schemaPrefix(module: string): string {
  if (module === "meta/v1") return "io.k8s.apimachinery.pkg.apis.meta.v1";
  if (module === "api/resource") return "io.k8s.apimachinery.pkg.api.resource";
  if (module === "runtime") return "io.k8s.apimachinery.pkg.runtime";
  if (module === "version") return "io.k8s.apimachinery.pkg.version";
  return `io.k8s.api.${module.replace("/", ".")}`;
}

interface ModuleInfo {
  module: string;
  /** Local name → fully qualified schema name, for every name the module can refer to. */
  names: Map<string, string>;
  source: ts.SourceFile;
}

function docOf(node: ts.Node, text: string): string | undefined {
  const ranges = ts.getLeadingCommentRanges(text, node.pos) ?? [];
  const last = ranges.filter((r) => text.startsWith("/**", r.pos)).pop();
  if (!last) return undefined;
  const body = text.slice(last.pos + 3, last.end - 2);
  const lines = body.split("\n").map((l) => l.replace(/^\s*\* ?/, "").trimEnd());
  const doc = lines.join("\n").trim();
  return doc || undefined;
}

function loadModule(root: string, module: string): ModuleInfo {
  const file = path.join(root, `${module}.d.ts`);
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const names = new Map<string, string>();
  for (const st of source.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      const target = path.posix.join(path.posix.dirname(module), st.moduleSpecifier.text);
      const bindings = st.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) {
        for (const el of bindings.elements) names.set(el.name.text, `${schemaPrefix(target)}.${(el.propertyName ?? el.name).text}`);
      }
    } else if ((ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) && st.name) {
      names.set(st.name.text, `${schemaPrefix(module)}.${st.name.text}`);
    }
  }
  return { module, names, source };
}

function ref(name: string): Schema {
  return { $ref: `#/components/schemas/${name}` };
}

class Converter {
  readonly schemas: Record<string, Schema> = {};
  /** Schema names that are plain values (Quantity, Time): referenced without an allOf wrapper. */
  private readonly scalars = new Set<string>();
  private readonly loaded = new Map<string, ModuleInfo>();
  private readonly pending: string[] = [];

  constructor(private readonly root: string) {}

  addModule(module: string): void {
    if (this.loaded.has(module)) return;
    const info = loadModule(this.root, module);
    this.loaded.set(module, info);
    this.pending.push(module);
    for (const st of info.source.statements) {
      if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
        this.addModule(path.posix.join(path.posix.dirname(module), st.moduleSpecifier.text));
      }
    }
  }

  run(): void {
    // Type aliases first, so that property conversion knows which names are scalars.
    for (const module of this.pending) {
      const info = this.loaded.get(module)!;
      const text = info.source.text;
      for (const st of info.source.statements) {
        if (ts.isTypeAliasDeclaration(st)) {
          const name = `${schemaPrefix(module)}.${st.name.text}`;
          const s: Schema = { description: docOf(st, text), ...this.type(st.type, info, undefined) };
          if (st.name.text === "Time" || st.name.text === "MicroTime") s.format = "date-time";
          // Upstream's v3 Quantity accepts a string or a number, and has no single type: kubectl
          // explain then shows the field as <Quantity> rather than <string>.
          if (st.name.text === "Quantity") {
            delete s.type;
            s.oneOf = [{ type: "string" }, { type: "number" }];
          }
          this.schemas[name] = s;
          this.scalars.add(name);
        }
      }
    }
    this.schemas[INT_OR_STRING] = {
      description: "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.",
      format: "int-or-string",
      oneOf: [{ type: "integer" }, { type: "string" }],
    };
    this.scalars.add(INT_OR_STRING);
    for (const module of this.pending) {
      const info = this.loaded.get(module)!;
      for (const st of info.source.statements) {
        if (ts.isInterfaceDeclaration(st)) this.schemas[`${schemaPrefix(module)}.${st.name.text}`] = this.object(st, info);
      }
    }
  }

  private object(decl: ts.InterfaceDeclaration, info: ModuleInfo): Schema {
    const text = info.source.text;
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    let apiVersion: string | undefined;
    let kind: string | undefined;
    for (const m of decl.members) {
      if (!ts.isPropertySignature(m) || !m.type || !(ts.isIdentifier(m.name) || ts.isStringLiteral(m.name))) continue;
      const field = m.name.text;
      if (!m.questionToken) required.push(field);
      const literal = ts.isLiteralTypeNode(m.type) && ts.isStringLiteral(m.type.literal) ? m.type.literal.text : undefined;
      if (field === "apiVersion") apiVersion = literal;
      if (field === "kind") kind = literal;
      const description = docOf(m, text);
      const t = this.type(m.type, info, field);
      if (BYTE_MAPS.has(`${decl.name.text}.${field}`) && typeof t.additionalProperties === "object") t.additionalProperties.format = "byte";
      // A field holding another object is wrapped in allOf, as upstream does, so that the
      // field's own description can stand beside the reference.
      properties[field] = t.$ref ? { allOf: [t], ...(description ? { description } : {}) } : { ...(description ? { description } : {}), ...t };
      if (!m.questionToken && t.$ref && !this.scalars.has(t.$ref.slice("#/components/schemas/".length))) properties[field].default = {};
    }
    const out: Schema = { description: docOf(decl, text), type: "object" };
    if (Object.keys(properties).length > 0) out.properties = properties;
    if (required.length > 0) out.required = required.sort();
    if (apiVersion && kind) {
      const slash = apiVersion.indexOf("/");
      out["x-kubernetes-group-version-kind"] = [
        { group: slash < 0 ? "" : apiVersion.slice(0, slash), kind, version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1) },
      ];
    }
    if (!out.description) delete out.description;
    return out;
  }

  private type(node: ts.TypeNode, info: ModuleInfo, field: string | undefined): Schema {
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: "string" };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: "boolean" };
      case ts.SyntaxKind.NumberKeyword:
        return { type: "integer", format: field && INT64_FIELDS.has(field) ? "int64" : "int32" };
    }
    if (ts.isLiteralTypeNode(node)) return { type: "string" };
    if (ts.isUnionTypeNode(node)) {
      const kinds = node.types.map((t) => t.kind).sort();
      if (kinds.length === 2 && kinds.includes(ts.SyntaxKind.NumberKeyword) && kinds.includes(ts.SyntaxKind.StringKeyword)) return ref(INT_OR_STRING);
    }
    if (ts.isArrayTypeNode(node)) return { type: "array", items: this.element(node.elementType, info, field) };
    if (ts.isTypeLiteralNode(node)) {
      const index = node.members.find(ts.isIndexSignatureDeclaration);
      if (index) return { type: "object", additionalProperties: this.element(index.type, info, field) };
      return { type: "object" };
    }
    if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
      const name = node.typeName.text;
      if (name === "Array" && node.typeArguments?.length === 1) return { type: "array", items: this.element(node.typeArguments[0], info, field) };
      const qualified = info.names.get(name);
      if (qualified) return ref(qualified);
    }
    throw new Error(`generate-schemas: cannot convert type "${node.getText()}" in ${info.module}`);
  }

  /** Array items and map values: objects get upstream's allOf wrapper with an empty default. */
  private element(node: ts.TypeNode, info: ModuleInfo, field: string | undefined): Schema {
    const t = this.type(node, info, field);
    if (t.$ref && !this.scalars.has(t.$ref.slice("#/components/schemas/".length))) return { allOf: [t], default: {} };
    if (t.type === "string") return { ...t, default: "" };
    return t;
  }
}

export function generateSchemas(typesRoot: string, modules: string[]): Record<string, Schema> {
  const c = new Converter(typesRoot);
  for (const m of modules) c.addModule(m);
  c.run();
  return Object.fromEntries(Object.entries(c.schemas).sort(([a], [b]) => a.localeCompare(b)));
}

/** The modules of every served group-version, plus the kinds subresources speak (Scale, Eviction). */
export function servedModules(): string[] {
  const mods = new Set<string>(["autoscaling/v1", "policy/v1"]);
  for (const gv of GROUP_VERSIONS) {
    for (const v of gv.versions) mods.add(`${gv.group === "" ? "core" : gv.group.split(".")[0]}/${v}`);
  }
  return [...mods];
}

function main(): void {
  const typesRoot = path.dirname(require.resolve("kubernetes-types/package.json"));
  const version = (JSON.parse(readFileSync(path.join(typesRoot, "package.json"), "utf8")) as { version: string }).version;
  const schemas = generateSchemas(typesRoot, servedModules());
  const out = process.argv[2] ?? path.resolve(__dirname, "../../../../master/apiserver/openapi/k8s-schemas.json");
  const doc = { generatedFrom: `kubernetes-types@${version}`, generator: "master/apiserver/openapi/generate-schemas.ts", schemas };
  writeFileSync(out, JSON.stringify(doc, null, 1) + "\n");
  process.stdout.write(`wrote ${Object.keys(schemas).length} schemas to ${out}\n`);
}

if (require.main === module) main();
