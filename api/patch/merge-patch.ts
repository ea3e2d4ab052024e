// JSON merge patch (RFC 7386), Content-Type application/merge-patch+json — what `kubectl label`
// and `kubectl scale` send. Objects merge key by key, `null` deletes a key, and anything else
// (arrays included) replaces the target wholesale. Inputs are never mutated.

import { errors } from "../errors";
import { type JsonObject, isJsonObject, own, put } from "./json-value";

/** RFC 7386 MergePatch(target, patch) for any JSON values. */
export function mergePatchValue(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return structuredClone(patch);
  const result: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else put(result, key, mergePatchValue(own(result, key), value));
  }
  return result;
}

/**
 * Applies a merge patch to a stored object. A patch that is not a JSON object cannot produce an
 * object, so it is rejected with Kubernetes' 400 `Invalid JSON Patch` rather than applied.
 */
export function applyMergePatch(original: JsonObject, patch: unknown): JsonObject {
  if (!isJsonObject(patch)) throw errors.badRequest("Invalid JSON Patch");
  return mergePatchValue(original, patch) as JsonObject;
}
