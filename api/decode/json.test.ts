import assert from "node:assert/strict";
import { test } from "node:test";
import { apiError } from "../testing/api-error";
import { decodeJson } from "./json";
import { MAX_NESTING_DEPTH } from "./nesting";

test("JSON text and UTF-8 bytes decode", () => {
  assert.deepEqual(decodeJson('{"a":[1,"é"]}', "the body"), { a: [1, "é"] });
  assert.deepEqual(decodeJson(new TextEncoder().encode('{"a":1}'), "the body"), { a: 1 });
});

test("too deep is a 400 naming the input and the limit, before JSON.parse sees it", () => {
  const deep = `{"a":${"[".repeat(MAX_NESTING_DEPTH)}${"]".repeat(MAX_NESTING_DEPTH)}}`;
  const err = apiError(() => decodeJson(deep, "the request body"));
  assert.equal(err.code, 400);
  assert.match(err.message, new RegExp(`^the request body nests objects and arrays more than ${MAX_NESTING_DEPTH} levels deep \\(at character ${MAX_NESTING_DEPTH + 4}\\)`));
  assert.deepEqual(decodeJson(`[${"[".repeat(MAX_NESTING_DEPTH - 1)}${"]".repeat(MAX_NESTING_DEPTH - 1)}]`, "x") instanceof Array, true);
});

test("bad JSON is a 400 naming the input", () => {
  const err = apiError(() => decodeJson("{nope", "the patch"));
  assert.equal(err.code, 400);
  assert.match(err.message, /^the patch is not valid JSON: /);
});
