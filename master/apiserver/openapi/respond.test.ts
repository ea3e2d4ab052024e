import { test } from "node:test";
import assert from "node:assert/strict";
import { buildOpenApiV3 } from "./openapi-v3";
import { openApiV3Answer } from "./respond";

const api = buildOpenApiV3();
const NOW = new Date("2026-01-01T00:00:00Z");
const u = (p: string) => new URL(p, "https://gantry.invalid");

test("the root is served with an ETag and revalidated each time", () => {
  const a = openApiV3Answer(api, u("/openapi/v3"), undefined, NOW);
  assert.equal(a.status, 200);
  if (a.status !== 200) return;
  assert.equal(a.headers["Content-Type"], "application/json");
  assert.equal(a.headers.ETag, api.rootEtag());
  assert.equal(a.headers["Cache-Control"], "no-cache, private");
  assert.deepEqual(JSON.parse(a.body.toString()), api.root());
  assert.equal(openApiV3Answer(api, u("/openapi/v3/"), api.rootEtag(), NOW).status, 304);
});

test("a document asked for by its current hash may be cached for a year", () => {
  const s = api.serialized("apis/apps/v1");
  assert.ok(s);
  const a = openApiV3Answer(api, u(s.serverRelativeURL), undefined, NOW);
  assert.equal(a.status, 200);
  if (a.status !== 200) return;
  assert.equal(a.body, s.body);
  assert.equal(a.headers["Cache-Control"], "public, immutable");
  assert.equal(a.headers.Expires, "Fri, 01 Jan 2027 00:00:00 GMT");
  assert.equal(a.headers.ETag, s.etag);
});

test("a stale hash is redirected to the current one", () => {
  const s = api.serialized("api/v1");
  assert.ok(s);
  const a = openApiV3Answer(api, u("/openapi/v3/api/v1?hash=0000"), undefined, NOW);
  assert.equal(a.status, 301);
  if (a.status !== 301) return;
  assert.equal(a.headers.Location, s.serverRelativeURL);
});

test("without a hash the document is served uncached; If-None-Match gives 304", () => {
  const s = api.serialized("apis/batch/v1");
  assert.ok(s);
  const a = openApiV3Answer(api, u("/openapi/v3/apis/batch/v1"), undefined, NOW);
  assert.equal(a.status, 200);
  if (a.status === 200) assert.equal(a.headers["Cache-Control"], "no-cache, private");
  assert.equal(openApiV3Answer(api, u("/openapi/v3/apis/batch/v1"), `W/"x", ${s.etag}`, NOW).status, 304);
  assert.equal(openApiV3Answer(api, u("/openapi/v3/apis/batch/v1"), `"other"`, NOW).status, 200);
});

test("unknown documents and look-alike paths are 404", () => {
  assert.deepEqual(openApiV3Answer(api, u("/openapi/v3/apis/policy/v1"), undefined, NOW), { status: 404, what: "OpenAPI v3 document apis/policy/v1" });
  assert.equal(openApiV3Answer(api, u("/openapi/v3x"), undefined, NOW).status, 404);
});
