// For tests: the ApiError a call throws, failing the test when it throws something else or nothing.

import assert from "node:assert/strict";
import { ApiError } from "../errors";

export function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  assert.fail("expected an ApiError");
}
