// Turns a GET under /openapi/v3 into status, headers and body, following the caching rules of
// the upstream apiserver: ETag on everything, 304 on a matching If-None-Match, documents asked for
// by their current hash cacheable for a year, a stale hash redirected to the current one.
// The router writes the answer; a 404 is left to it so it can render a Status.

import type { OpenApiV3 } from "./openapi-v3";

export type OpenApiAnswer =
  | { status: 200; headers: Record<string, string>; body: Buffer }
  | { status: 301 | 304; headers: Record<string, string> }
  | { status: 404; what: string };

const PREFIX = "/openapi/v3";

export function openApiV3Answer(api: OpenApiV3, url: URL, ifNoneMatch: string | undefined, now: Date): OpenApiAnswer {
  const rest = url.pathname.slice(PREFIX.length).replace(/^\/+/, "").replace(/\/+$/, "");
  if (!url.pathname.startsWith(PREFIX) || (url.pathname.length > PREFIX.length && url.pathname[PREFIX.length] !== "/")) {
    return { status: 404, what: url.pathname };
  }
  if (rest === "") {
    const etag = api.rootEtag();
    if (etagMatches(ifNoneMatch, etag)) return { status: 304, headers: { ETag: etag } };
    return { status: 200, headers: { "Content-Type": "application/json", ETag: etag, "Cache-Control": "no-cache, private" }, body: api.rootBody() };
  }
  const doc = api.serialized(rest);
  if (!doc) return { status: 404, what: `OpenAPI v3 document ${rest}` };
  const hash = url.searchParams.get("hash");
  if (hash !== null && hash !== doc.hash) return { status: 301, headers: { Location: doc.serverRelativeURL, "Cache-Control": "no-cache, private" } };
  const headers: Record<string, string> = { "Content-Type": "application/json", ETag: doc.etag, Vary: "Accept" };
  if (hash !== null) {
    headers["Cache-Control"] = "public, immutable";
    headers.Expires = new Date(now.getTime() + 365 * 24 * 3600 * 1000).toUTCString();
  } else {
    headers["Cache-Control"] = "no-cache, private";
  }
  if (etagMatches(ifNoneMatch, doc.etag)) return { status: 304, headers };
  return { status: 200, headers, body: doc.body };
}

/** If-None-Match against an ETag: any listed tag (weak or strong) or `*`. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(",").some((t) => {
    const tag = t.trim().replace(/^W\//, "");
    return tag === "*" || tag === etag;
  });
}
