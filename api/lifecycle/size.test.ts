import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError } from "../errors";
import { MAX_OBJECT_BYTES, checkObjectSize, objectSizeError } from "./size";

test("objects over 1.5 MiB serialized are refused with a 413 naming the object and limit", () => {
  const small = { kind: "ConfigMap", metadata: { name: "small" }, data: { a: "x" } };
  assert.equal(objectSizeError(small), undefined);
  checkObjectSize(small);
  const big = { kind: "ConfigMap", metadata: { name: "big" }, data: { a: "x".repeat(MAX_OBJECT_BYTES) } };
  const err = objectSizeError(big);
  assert.ok(err instanceof ApiError);
  assert.equal(err.code, 413);
  assert.equal(err.reason, "RequestEntityTooLarge");
  assert.match(err.message, /^ConfigMap "big" is too large to store: \d+ bytes serialized, the limit is 1572864 bytes/);
  assert.throws(() => checkObjectSize(big), ApiError);
});

test("the limit counts bytes, not characters", () => {
  const chars = Math.floor(MAX_OBJECT_BYTES / 2);
  assert.ok(objectSizeError({ kind: "ConfigMap", metadata: { name: "u" }, data: { a: "é".repeat(chars) } }));
});
