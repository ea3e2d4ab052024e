// Serves OpenAPI v3: reads the generated schemas once, adds the Kubernetes patch extensions,
// assembles one document per served group-version, and keeps each serialized with its hash.
//
//   GET /openapi/v3                          → {"paths":{"apis/apps/v1":{"serverRelativeURL":"/openapi/v3/apis/apps/v1?hash=H"}}}
//   GET /openapi/v3/apis/apps/v1?hash=H      → the document, cacheable forever (the hash names its content)
//   GET /openapi/v3/apis/apps/v1?hash=stale  → 301 to the current hash, so no client keeps an old copy
//
// kubectl caches documents by URL, so the hash must change whenever a document's bytes do: it is
// the SHA-256 of exactly the bytes served.

import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { groupVersionDocument, servedDocuments } from "../../../api/openapi/document";
import { withKubernetesExtensions } from "../../../api/openapi/extensions";
import type { OpenApiDocument, OpenApiRoot, Schema } from "../../../api/openapi/types";

const SCHEMAS_FILE = "k8s-schemas.json";
export const DEFAULT_SERVER_VERSION = "v1.32.0";

export interface SerializedDocument {
  /** "api/v1", "apis/apps/v1" */
  gvPath: string;
  document: OpenApiDocument;
  body: Buffer;
  /** SHA-256 of body, upper-case hex: the `hash` query parameter. */
  hash: string;
  /** The hash quoted, for ETag / If-None-Match. */
  etag: string;
  serverRelativeURL: string;
}

export interface OpenApiV3 {
  root(): OpenApiRoot;
  rootBody(): Buffer;
  rootEtag(): string;
  /** The document of one group-version ("apis/apps/v1", a leading "/" is ignored); undefined if not served. */
  document(gvPath: string): OpenApiDocument | undefined;
  serialized(gvPath: string): SerializedDocument | undefined;
  hash(gvPath: string): string | undefined;
  gvPaths(): string[];
}

export interface OpenApiV3Options {
  /** Defaults to k8s-schemas.json beside this module's source. */
  schemasFile?: string;
  serverVersion?: string;
}

/** Where k8s-schemas.json is: next to the compiled module, or in the source tree dist/ was built from. */
export function defaultSchemasFile(): string {
  const candidates = [path.join(__dirname, SCHEMAS_FILE), path.resolve(__dirname, "../../../../master/apiserver/openapi", SCHEMAS_FILE)];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`openapi: ${SCHEMAS_FILE} not found (looked in ${candidates.join(", ")}); it ships in master/apiserver/openapi/`);
  return found;
}

/** The generated schemas with the patch/list extensions applied. */
export function loadSchemas(file: string = defaultSchemasFile()): Record<string, Schema> {
  let parsed: { schemas?: Record<string, Schema> };
  try {
    parsed = JSON.parse(readFileSync(file, "utf8")) as { schemas?: Record<string, Schema> };
  } catch (err) {
    throw new Error(`openapi: cannot read schemas from ${file}: ${(err as Error).message}`);
  }
  if (!parsed.schemas || typeof parsed.schemas !== "object") throw new Error(`openapi: ${file} has no "schemas" object`);
  return withKubernetesExtensions(parsed.schemas);
}

function sha256(body: Buffer): string {
  return createHash("sha256").update(body).digest("hex").toUpperCase();
}

function normalize(gvPath: string): string {
  return gvPath.replace(/^\/+/, "").replace(/\/+$/, "");
}

/** Builds every document once; all later calls return the cached objects and bytes. */
export function buildOpenApiV3(opts: OpenApiV3Options = {}): OpenApiV3 {
  const schemas = loadSchemas(opts.schemasFile);
  const serverVersion = opts.serverVersion ?? DEFAULT_SERVER_VERSION;
  const docs = new Map<string, SerializedDocument>();
  for (const d of servedDocuments()) {
    const document = groupVersionDocument(d.group, d.version, schemas, { serverVersion });
    if (!document) continue;
    const body = Buffer.from(JSON.stringify(document));
    const hash = sha256(body);
    docs.set(d.gvPath, { gvPath: d.gvPath, document, body, hash, etag: `"${hash}"`, serverRelativeURL: `/openapi/v3/${d.gvPath}?hash=${hash}` });
  }
  const root: OpenApiRoot = { paths: {} };
  for (const d of docs.values()) root.paths[d.gvPath] = { serverRelativeURL: d.serverRelativeURL };
  const rootBody = Buffer.from(JSON.stringify(root));
  const rootEtag = `"${sha256(rootBody)}"`;
  return {
    root: () => root,
    rootBody: () => rootBody,
    rootEtag: () => rootEtag,
    document: (gvPath) => docs.get(normalize(gvPath))?.document,
    serialized: (gvPath) => docs.get(normalize(gvPath)),
    hash: (gvPath) => docs.get(normalize(gvPath))?.hash,
    gvPaths: () => [...docs.keys()],
  };
}
