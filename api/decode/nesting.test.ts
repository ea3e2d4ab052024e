import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_NESTING_DEPTH, jsonNestingOverflow, nestingDepth } from "./nesting";

const nested = (n: number) => "[".repeat(n) + "]".repeat(n);

test("nesting within the limit passes; one level more is found at its opening bracket", () => {
  assert.equal(jsonNestingOverflow(nested(MAX_NESTING_DEPTH)), undefined);
  assert.equal(jsonNestingOverflow(nested(MAX_NESTING_DEPTH + 1)), MAX_NESTING_DEPTH);
  assert.equal(jsonNestingOverflow('{"a":{"b":[1]}}', 3), undefined);
  assert.equal(jsonNestingOverflow('{"a":{"b":[1]}}', 2), 10);
});

test("brackets inside strings, escaped quotes included, do not count", () => {
  assert.equal(jsonNestingOverflow('{"a":"[[[[{{{{"}', 1), undefined);
  assert.equal(jsonNestingOverflow('{"a":"\\"[[[[\\\\"}', 1), undefined);
  assert.equal(jsonNestingOverflow('{"a\\"[[":"x"}', 1), undefined);
});

test("a 3 MiB bomb (1.5 million levels) is refused in milliseconds, without recursion", () => {
  const bomb = "[".repeat(3 * 1024 * 1024);
  const started = performance.now();
  assert.equal(jsonNestingOverflow(bomb), MAX_NESTING_DEPTH);
  assert.ok(performance.now() - started < 200);
});

test("nestingDepth counts decoded values without recursion and stops past the limit", () => {
  assert.equal(nestingDepth("x"), 0);
  assert.equal(nestingDepth({ a: [1, { b: {} }] }), 4);
  let deep: unknown = 1;
  for (let i = 0; i < 200_000; i++) deep = [deep];
  assert.equal(nestingDepth(deep, 10), 11);
});
