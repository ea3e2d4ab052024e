// Assembles the OpenAPI v3 document of one group-version: the paths of its resources and, in
// components.schemas, every schema those paths reference, followed transitively. kubectl finds a
// kind's schema by its `x-kubernetes-group-version-kind`, so the kinds keep that extension.

import { resourcesOf, servedGroups } from "../discovery/served";
import type { GroupVersionKind } from "../discovery/subresources";
import { resourcePaths, type SchemaResolver } from "./paths";
import { SCHEMA_REF_PREFIX, type OpenApiDocument, type PathItem, type Schema } from "./types";

export interface ServedDocument {
  /** The key in the /openapi/v3 root: "api/v1", "apis/apps/v1". */
  gvPath: string;
  group: string;
  version: string;
}

export function gvPathOf(group: string, version: string): string {
  return group === "" ? `api/${version}` : `apis/${group}/${version}`;
}

/** One document per served group-version, in discovery order. */
export function servedDocuments(): ServedDocument[] {
  return servedGroups().flatMap((g) => g.versions.map((version) => ({ gvPath: gvPathOf(g.group, version), group: g.group, version })));
}

/** Finds schemas by the kind they declare in x-kubernetes-group-version-kind. */
export function schemaResolver(schemas: Readonly<Record<string, Schema>>): SchemaResolver {
  const index = new Map<string, string>();
  for (const [name, s] of Object.entries(schemas)) {
    for (const k of s["x-kubernetes-group-version-kind"] ?? []) index.set(`${k.group}/${k.version}/${k.kind}`, name);
  }
  return (gvk: GroupVersionKind) => {
    const name = index.get(`${gvk.group}/${gvk.version}/${gvk.kind}`);
    if (!name) throw new Error(`openapi: no schema declares kind ${gvk.group || "core"}/${gvk.version} ${gvk.kind}; regenerate master/apiserver/openapi/k8s-schemas.json`);
    return name;
  };
}

function collectRefs(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) collectRefs(v, into);
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string" && v.startsWith(SCHEMA_REF_PREFIX)) into.add(v.slice(SCHEMA_REF_PREFIX.length));
      else collectRefs(v, into);
    }
  }
}

/** The named schemas and everything they reference, sorted by name. Throws on a dangling $ref. */
export function schemaClosure(roots: Iterable<string>, schemas: Readonly<Record<string, Schema>>): Record<string, Schema> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    const s = schemas[name];
    if (!s) throw new Error(`openapi: schema ${name} is referenced but not defined`);
    seen.add(name);
    const refs = new Set<string>();
    collectRefs(s, refs);
    queue.push(...refs);
  }
  return Object.fromEntries([...seen].sort().map((n) => [n, schemas[n]]));
}

export interface DocumentOptions {
  /** Shown as info.version; the Kubernetes version the server claims. */
  serverVersion: string;
}

/** The document for `group`/`version`, or undefined when that group-version is not served. */
export function groupVersionDocument(group: string, version: string, schemas: Readonly<Record<string, Schema>>, opts: DocumentOptions): OpenApiDocument | undefined {
  const resources = resourcesOf(group, version);
  if (resources.length === 0) return undefined;
  const schemaFor = schemaResolver(schemas);
  const paths: Record<string, PathItem> = {};
  for (const r of resources) Object.assign(paths, resourcePaths(r, schemaFor));
  const roots = new Set<string>();
  collectRefs(paths, roots);
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: opts.serverVersion },
    paths,
    components: { schemas: schemaClosure(roots, schemas) },
  };
}
