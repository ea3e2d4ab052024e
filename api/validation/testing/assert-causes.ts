// Assertions on validation causes that print the full list when they fail.

import assert from "node:assert/strict";
import type { StatusCause } from "../../errors";

export function assertCause(causes: StatusCause[], field: string, message: string, reason?: string): void {
  const match = causes.find((c) => c.field === field && c.message === message);
  assert.ok(match, `expected cause ${field}: ${message}\ngot:\n${causes.map((c) => `  ${c.field}: ${c.message}`).join("\n")}`);
  if (reason) assert.equal(match.reason, reason);
}

/** Exactly these (field, message) pairs, in order. */
export function assertCauses(causes: StatusCause[], expected: [string, string][]): void {
  assert.deepEqual(
    causes.map((c) => [c.field, c.message]),
    expected,
  );
}

export function assertValid(causes: StatusCause[]): void {
  assert.deepEqual(causes, [], `expected no causes, got:\n${causes.map((c) => `  ${c.field}: ${c.message}`).join("\n")}`);
}
