// Patching, by Content-Type, the way the apiserver's PATCH handler chooses:
//   application/json-patch+json           RFC 6902 operations (json-patch.ts)
//   application/merge-patch+json          RFC 7386 merge patch (merge-patch.ts)
//   application/strategic-merge-patch+json Kubernetes strategic merge patch (strategic-merge-patch.ts)
// Anything else is a 415. The caller still owns what Kubernetes checks after patching (name,
// namespace, kind and apiVersion unchanged; validation; resourceVersion preconditions).

import { MAX_NESTING_DEPTH, nestingDepth } from "../decode/nesting";
import { errors } from "../errors";
import { jsonSize } from "../lifecycle/json-size";
import { MAX_OBJECT_BYTES, tooLargeToStore } from "../lifecycle/size";
import type { JsonObject } from "../object";
import { applyJsonPatch } from "./json-patch";
import { parsePatchBody } from "./json-value";
import { applyMergePatch } from "./merge-patch";
import { patchErrors, rejected } from "./patch-errors";
import { applyStrategicMergePatch } from "./strategic-merge-patch";

export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from "./json-patch";
export { MAX_JSON_PATCH_COPY_BYTES } from "./json-patch-budget";
export { applyMergePatch, mergePatchValue } from "./merge-patch";
export { applyStrategicMergePatch } from "./strategic-merge-patch";
export { type FieldPatchMeta, type PatchSchema, patchMetaAt, patchSchemaFor } from "./patch-metadata";

export const PATCH_CONTENT_TYPES = {
  json: "application/json-patch+json",
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
} as const;

/** The media type without parameters, lower-cased: `Application/JSON-Patch+json; charset=utf-8` → `application/json-patch+json`. */
function mediaType(contentType: string): string {
  return contentType.split(";")[0].trim().toLowerCase();
}

/**
 * Decodes a patch body once, before it is applied (possibly several times, on conflicts): 415 for
 * a media type that is not a patch type (server-side apply's `application/apply-patch+yaml`
 * included), 400 for a body that is not JSON or nests too deeply.
 */
export function decodePatchBody(contentType: string, body: Uint8Array): unknown {
  if (!(Object.values(PATCH_CONTENT_TYPES) as string[]).includes(mediaType(contentType))) throw unsupportedPatchType();
  return parsePatchBody(body);
}

/**
 * Applies `patchBody` (parsed JSON, or a string/bytes to parse) to `original` according to the
 * request's Content-Type. Returns a new object; never mutates `original`. Throws ApiErrors.
 */
export function applyPatch(contentType: string, kind: string, original: JsonObject, patchBody: unknown): JsonObject {
  const type = mediaType(contentType);
  switch (type) {
    case PATCH_CONTENT_TYPES.json:
      return applyJsonPatch(original, parsePatchBody(patchBody));
    case PATCH_CONTENT_TYPES.merge:
      return checkMerged(original, applyMergePatch(original, parsePatchBody(patchBody)));
    case PATCH_CONTENT_TYPES.strategic: {
      const patch = parsePatchBody(patchBody);
      if (typeof patch !== "object" || patch === null || Array.isArray(patch)) throw patchErrors.badJsonDoc();
      return checkMerged(original, applyStrategicMergePatch(kind, original, patch as JsonObject));
    }
    default:
      throw unsupportedPatchType();
  }
}

/**
 * A merged object is at most the original plus a body of 3 MiB, and no deeper than the deeper of
 * the two, but it can still be too large to store: refused here (measuring stops at the limit),
 * before anything walks it. JSON patches are measured as they apply (json-patch-budget.ts).
 */
function checkMerged(original: JsonObject, merged: JsonObject): JsonObject {
  if (jsonSize(merged, MAX_OBJECT_BYTES) > MAX_OBJECT_BYTES) throw tooLargeToStore(original, `more than ${MAX_OBJECT_BYTES} bytes serialized after the patch`);
  if (nestingDepth(merged) > MAX_NESTING_DEPTH) throw rejected(`the patched object nests more than ${MAX_NESTING_DEPTH} levels deep`);
  return merged;
}

function unsupportedPatchType() {
  return errors.unsupportedMediaType(
    `the body of the request was in an unknown format - accepted media types include: ${Object.values(PATCH_CONTENT_TYPES).join(", ")}`,
  );
}
