import assert from "node:assert/strict";
import { test } from "node:test";
import { eventNameSuffix, seriesNameSuffix } from "./event-names";

test("event name suffixes are 16 hex digits of ns, strictly increasing even within one millisecond", () => {
  const ms = Date.UTC(2026, 10, 22, 4, 0, 0, 123);
  const a = eventNameSuffix(ms);
  const b = eventNameSuffix(ms);
  const c = eventNameSuffix(ms - 5); // a clock step back still sorts after
  assert.match(a, /^[0-9a-f]{16}$/);
  assert.equal(BigInt(`0x${a}`), BigInt(ms) * 1_000_000n);
  assert.ok(a < b && b < c);
});

test("series suffixes: one series, one name; ordered by first time", () => {
  const t = Date.UTC(2026, 10, 22, 4, 0, 0, 0);
  assert.equal(seriesNameSuffix(t, "abcdef01"), seriesNameSuffix(t, "abcdef01"));
  assert.notEqual(seriesNameSuffix(t, "abcdef01"), seriesNameSuffix(t, "12345678"));
  assert.ok(seriesNameSuffix(t, "ffffffff") < seriesNameSuffix(t + 1, "00000000"));
});
