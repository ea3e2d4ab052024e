// Test helpers for the Pod Security checks: run one revision of a check, assert a refusal.

import assert from "node:assert/strict";
import type { Check, CheckResult } from "../check";

export type Json = Record<string, unknown>;

/** Runs the revision of `check` in force at policy minor `minor` (default: the newest). */
export function run(check: Check, spec: Json, metadata: Json = {}, minor = 32): CheckResult {
  const revision = [...check.versions].reverse().find((v) => v.since <= minor);
  assert.ok(revision, `${check.id} has no revision at 1.${minor}`);
  return revision.check(metadata, spec);
}

export function refuses(result: CheckResult, reason: string, detail: string): void {
  assert.equal(result.allowed, false, "expected the check to refuse");
  assert.equal(result.reason, reason);
  assert.equal(result.detail, detail);
}

/** A container with an optional securityContext. */
export function container(name: string, securityContext?: Json, extra: Json = {}): Json {
  return { name, image: "i", ...(securityContext ? { securityContext } : {}), ...extra };
}
