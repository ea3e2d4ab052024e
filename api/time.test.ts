import assert from "node:assert/strict";
import { test } from "node:test";
import { formatMicroTime, formatTime } from "./time";

test("metav1.Time is RFC 3339 in UTC with whole seconds, fractions truncated", () => {
  assert.equal(formatTime(new Date("2026-01-02T03:04:05.999Z")), "2026-01-02T03:04:05Z");
  assert.equal(formatTime(Date.parse("2026-01-02T03:04:05.001Z")), "2026-01-02T03:04:05Z");
  assert.equal(formatTime(new Date("2026-01-02T04:04:05+01:00")), "2026-01-02T03:04:05Z");
});

test("metav1.MicroTime has six fractional digits", () => {
  assert.equal(formatMicroTime(new Date("2026-01-02T03:04:05.678Z")), "2026-01-02T03:04:05.678000Z");
  assert.equal(formatMicroTime(new Date("2026-01-02T03:04:05Z")), "2026-01-02T03:04:05.000000Z");
});
