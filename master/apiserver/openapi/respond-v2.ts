// Turns a GET /openapi/v2 into status, headers and body, negotiated as kube-openapi's handler
// does: the first Accept range (by q, concrete before wildcard) that names JSON or the gnostic
// protobuf wins, an empty Accept means JSON, nothing acceptable is a 406. ETag and 304 as for the
// v3 documents; gzip when the client accepts it (Go clients always do, and the JSON is megabytes).

import { parseAccept, rangeMatches } from "../../../api/accept";
import type { OpenApiV2, SerializedForm } from "./openapi-v2";
import { etagMatches } from "./respond";

/** What client-go asks for. Upstream answers it with the other spelling, below. */
export const PROTOBUF_V2_DEPRECATED = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
export const PROTOBUF_V2 = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

export type OpenApiV2Answer =
  | { status: 200; headers: Record<string, string>; body: Buffer }
  | { status: 304; headers: Record<string, string> }
  | { status: 406; message: string };

export interface OpenApiV2Request {
  accept?: string;
  acceptEncoding?: string;
  ifNoneMatch?: string;
}

const FORMS: readonly { type: string; subtype: string; contentType: string; form: (api: OpenApiV2) => SerializedForm }[] = [
  { type: "application", subtype: "json", contentType: "application/json", form: (api) => api.json },
  { type: "application", subtype: PROTOBUF_V2_DEPRECATED.split("/")[1], contentType: PROTOBUF_V2, form: (api) => api.protobuf },
  { type: "application", subtype: PROTOBUF_V2.split("/")[1], contentType: PROTOBUF_V2, form: (api) => api.protobuf },
];

function acceptsGzip(acceptEncoding: string | undefined): boolean {
  return (acceptEncoding ?? "").split(",").some((part) => {
    const [coding, ...params] = part.trim().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return coding.trim().toLowerCase() === "gzip" && (q === undefined || Number.parseFloat(q.slice(2)) > 0);
  });
}

export function openApiV2Answer(api: OpenApiV2, req: OpenApiV2Request): OpenApiV2Answer {
  for (const range of parseAccept(req.accept || "*/*")) {
    if (range.q <= 0) continue;
    const chosen = FORMS.find((f) => rangeMatches(range, f.type, f.subtype));
    if (!chosen) continue;
    const headers: Record<string, string> = {
      "Content-Type": chosen.contentType,
      ETag: api.etag,
      "Last-Modified": api.lastModified.toUTCString(),
      Vary: "Accept, Accept-Encoding",
    };
    if (etagMatches(req.ifNoneMatch, api.etag)) return { status: 304, headers };
    const form = chosen.form(api);
    if (!acceptsGzip(req.acceptEncoding)) return { status: 200, headers, body: form.body };
    return { status: 200, headers: { ...headers, "Content-Encoding": "gzip" }, body: form.gzipped };
  }
  return { status: 406, message: `the OpenAPI v2 document is served as application/json or ${PROTOBUF_V2_DEPRECATED}; Accept: ${req.accept ?? ""} allows neither` };
}
