import assert from "node:assert/strict";
import { test } from "node:test";
import { parseGoDuration } from "./duration";

test("parseGoDuration reads Go durations and refuses anything else", () => {
  assert.equal(parseGoDuration("5m"), 300_000);
  assert.equal(parseGoDuration("5m0s"), 300_000);
  assert.equal(parseGoDuration("1h1m1.5s"), 3_661_500);
  assert.equal(parseGoDuration("250ms"), 250);
  assert.equal(parseGoDuration("1s"), 1000);
  assert.equal(parseGoDuration("0"), 0);
  assert.equal(parseGoDuration("0s"), 0);
  for (const bad of ["", "5", "-5m", "5 m", "m", "5x", "1m30", "1.2.3s"]) assert.equal(parseGoDuration(bad), undefined, bad);
});
