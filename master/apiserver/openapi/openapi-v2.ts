// Serves OpenAPI v2: the v3 group-version documents converted into one Swagger 2.0 document
// (api/openapi/to-swagger.ts), serialized once as JSON and once as gnostic protobuf, each also
// gzipped. The ETag is the SHA-512 of the JSON bytes, shared by both forms as upstream does (the
// answer varies by Accept, and says so).

import { createHash } from "node:crypto";
import zlib from "node:zlib";
import { toSwagger } from "../../../api/openapi/to-swagger";
import type { SwaggerDocument } from "../../../api/openapi/swagger-types";
import type { OpenApiDocument } from "../../../api/openapi/types";
import { DEFAULT_SERVER_VERSION, type OpenApiV3 } from "./openapi-v3";
import { encodeSwaggerProtobuf } from "./swagger-protobuf";

export interface SerializedForm {
  body: Buffer;
  gzipped: Buffer;
}

export interface OpenApiV2 {
  document: SwaggerDocument;
  json: SerializedForm;
  protobuf: SerializedForm;
  /** Quoted, for ETag / If-None-Match. */
  etag: string;
  lastModified: Date;
}

function serialized(body: Buffer): SerializedForm {
  return { body, gzipped: zlib.gzipSync(body) };
}

/** Builds the v2 document from every document `v3` serves. */
export function buildOpenApiV2(v3: OpenApiV3, opts: { serverVersion?: string; now?: Date } = {}): OpenApiV2 {
  const documents = v3.gvPaths().map((gv) => v3.document(gv)).filter((d): d is OpenApiDocument => d !== undefined);
  const document = toSwagger(documents, { serverVersion: opts.serverVersion ?? DEFAULT_SERVER_VERSION });
  const json = Buffer.from(JSON.stringify(document));
  const etag = `"${createHash("sha512").update(json).digest("hex").toUpperCase()}"`;
  // HTTP dates have whole seconds; a Last-Modified with milliseconds would never match.
  const lastModified = new Date(Math.floor((opts.now ?? new Date()).getTime() / 1000) * 1000);
  return { document, json: serialized(json), protobuf: serialized(encodeSwaggerProtobuf(document)), etag, lastModified };
}
