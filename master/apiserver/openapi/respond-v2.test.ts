import { test } from "node:test";
import assert from "node:assert/strict";
import { buildOpenApiV2 } from "./openapi-v2";
import { buildOpenApiV3 } from "./openapi-v3";
import { openApiV2Answer, PROTOBUF_V2, PROTOBUF_V2_DEPRECATED } from "./respond-v2";

const api = buildOpenApiV2(buildOpenApiV3());

function contentTypeFor(accept: string | undefined): string {
  const a = openApiV2Answer(api, { accept });
  return a.status === 200 ? a.headers["Content-Type"] : String(a.status);
}

test("content negotiation: what kubectl sends gets protobuf, JSON otherwise, 406 for neither", () => {
  // kubectl 1.20 and 1.32 both send exactly this.
  assert.equal(contentTypeFor(PROTOBUF_V2_DEPRECATED), PROTOBUF_V2);
  assert.equal(contentTypeFor(PROTOBUF_V2), PROTOBUF_V2);
  assert.equal(contentTypeFor("application/json"), "application/json");
  assert.equal(contentTypeFor(undefined), "application/json");
  assert.equal(contentTypeFor("*/*"), "application/json");
  assert.equal(contentTypeFor(`application/json;q=0.5, ${PROTOBUF_V2_DEPRECATED}`), PROTOBUF_V2);
  assert.equal(contentTypeFor(`*/*, ${PROTOBUF_V2_DEPRECATED}`), PROTOBUF_V2, "a concrete type before a wildcard");
  assert.equal(contentTypeFor("application/json;q=0, text/html"), "406");
  const refused = openApiV2Answer(api, { accept: "application/vnd.kubernetes.protobuf" });
  assert.equal(refused.status, 406);
  if (refused.status === 406) assert.match(refused.message, /served as application\/json or application\/com\.github\.proto-openapi/);
});

test("bodies: the protobuf or JSON bytes, gzipped when the client accepts gzip", () => {
  const pb = openApiV2Answer(api, { accept: PROTOBUF_V2_DEPRECATED });
  assert.equal(pb.status, 200);
  if (pb.status === 200) {
    assert.equal(pb.body, api.protobuf.body);
    assert.equal(pb.headers["Content-Encoding"], undefined);
  }
  const gz = openApiV2Answer(api, { accept: "application/json", acceptEncoding: "gzip" });
  assert.equal(gz.status, 200);
  if (gz.status === 200) {
    assert.equal(gz.body, api.json.gzipped);
    assert.equal(gz.headers["Content-Encoding"], "gzip");
  }
  const noGzip = openApiV2Answer(api, { accept: "application/json", acceptEncoding: "gzip;q=0, identity" });
  assert.equal(noGzip.status === 200 && noGzip.body, api.json.body);
});

test("caching: ETag, Last-Modified and Vary on every answer, 304 when the ETag matches", () => {
  const a = openApiV2Answer(api, { accept: PROTOBUF_V2_DEPRECATED });
  assert.equal(a.status, 200);
  if (a.status !== 200) return;
  assert.equal(a.headers.ETag, api.etag);
  assert.equal(a.headers.Vary, "Accept, Accept-Encoding");
  assert.equal(a.headers["Last-Modified"], api.lastModified.toUTCString());
  const again = openApiV2Answer(api, { accept: PROTOBUF_V2_DEPRECATED, ifNoneMatch: api.etag });
  assert.equal(again.status, 304);
  assert.equal(again.status === 304 && again.headers.ETag, api.etag);
  assert.equal(openApiV2Answer(api, { accept: "application/json", ifNoneMatch: '"stale"' }).status, 200);
});
