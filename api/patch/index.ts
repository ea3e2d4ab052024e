// Patching, by Content-Type, the way the apiserver's PATCH handler chooses:
//   application/json-patch+json           RFC 6902 operations (json-patch.ts)
//   application/merge-patch+json          RFC 7386 merge patch (merge-patch.ts)
//   application/strategic-merge-patch+json Kubernetes strategic merge patch (strategic-merge-patch.ts)
// Anything else is a 415. The caller still owns what Kubernetes checks after patching (name,
// namespace, kind and apiVersion unchanged; validation; resourceVersion preconditions).

import { errors } from "../errors";
import type { JsonObject } from "../object";
import { applyJsonPatch } from "./json-patch";
import { parsePatchBody } from "./json-value";
import { applyMergePatch } from "./merge-patch";
import { patchErrors } from "./patch-errors";
import { applyStrategicMergePatch } from "./strategic-merge-patch";

export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from "./json-patch";
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
      return applyMergePatch(original, parsePatchBody(patchBody));
    case PATCH_CONTENT_TYPES.strategic: {
      const patch = parsePatchBody(patchBody);
      if (typeof patch !== "object" || patch === null || Array.isArray(patch)) throw patchErrors.badJsonDoc();
      return applyStrategicMergePatch(kind, original, patch as JsonObject);
    }
    default:
      throw unsupportedPatchType();
  }
}

function unsupportedPatchType() {
  return errors.unsupportedMediaType(
    `the body of the request was in an unknown format - accepted media types include: ${Object.values(PATCH_CONTENT_TYPES).join(", ")}`,
  );
}
