// JSON patch (RFC 6902), Content-Type application/json-patch+json — what `kubectl rollout undo`
// sends. Operations are applied by the fast-json-patch package with validation on, to a copy.
//
// Status codes follow the Kubernetes apiserver: a body that is not a list of operation objects is
// a 400, more than 10,000 operations a 413, and any operation that fails against the object (a
// failed `test`, a missing path, an unknown op) a 422 Invalid whose cause carries the reason.

import { type Operation, applyPatch, JsonPatchError } from "fast-json-patch";
import { errors } from "../errors";
import { type JsonObject, isJsonObject } from "./json-value";
import { rejected } from "./patch-errors";

/** Kubernetes caps JSON patches at this many operations to bound the work one request can cause. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

const OPS: ReadonlySet<string> = new Set(["add", "remove", "replace", "move", "copy", "test"]);

/** Rephrases fast-json-patch failures in the wording of the Go library Kubernetes uses. */
function describe(err: JsonPatchError, op: JsonObject): string {
  const path = String(op.path ?? "");
  switch (err.name) {
    case "TEST_OPERATION_FAILED":
      return `testing value ${path} failed: test failed`;
    case "OPERATION_PATH_UNRESOLVABLE":
    case "OPERATION_PATH_CANNOT_ADD":
      return `${String(op.op)} operation does not apply: doc is missing path: "${path}": missing value`;
    case "OPERATION_FROM_UNRESOLVABLE":
      return `${String(op.op)} operation does not apply: doc is missing from path: "${String(op.from)}": missing value`;
    case "OPERATION_VALUE_OUT_OF_BOUNDS":
    case "OPERATION_PATH_ILLEGAL_ARRAY_INDEX":
      return `Unable to access invalid index: ${path}: invalid index referenced`;
    default:
      return `${String(op.op)} operation at "${path}": ${err.message}`;
  }
}

/** Checks each operation before applying, for failures fast-json-patch does not catch itself. */
function precheck(op: JsonObject): string | undefined {
  if (typeof op.op !== "string" || !OPS.has(op.op)) return `Unexpected kind: ${String(op.op)}`;
  if (typeof op.path !== "string") return `${op.op} operation is missing path`;
  if ((op.op === "move" || op.op === "copy") && typeof op.from !== "string") return `${op.op} operation is missing from`;
  // RFC 6902 §4.4: a location cannot be moved into one of its own children.
  if (op.op === "move" && typeof op.from === "string" && op.path.startsWith(`${op.from}/`)) {
    return `move operation does not apply: "${op.from}" is a parent of "${op.path}"`;
  }
  return undefined;
}

/** Applies an RFC 6902 patch to a copy of `original`; throws ApiErrors as described above. */
export function applyJsonPatch(original: JsonObject, patch: unknown): JsonObject {
  if (!Array.isArray(patch)) {
    throw errors.badRequest(`json: cannot unmarshal ${patch === null ? "null" : typeof patch} into Go value of type jsonpatch.Patch`);
  }
  if (!patch.every(isJsonObject)) {
    throw errors.badRequest("json: cannot unmarshal non-object into Go value of type jsonpatch.Operation");
  }
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw errors.tooLarge(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`);
  }
  let doc: unknown = structuredClone(original);
  for (const op of patch) {
    const bad = precheck(op);
    if (bad) throw rejected(bad);
    try {
      // The operation is cloned too: fast-json-patch inserts `value` by reference, and later
      // operations could otherwise write through it into the caller's patch body.
      doc = applyPatch(doc, [structuredClone(op) as unknown as Operation], true, true).newDocument;
    } catch (err) {
      if (err instanceof JsonPatchError) throw rejected(describe(err, op));
      // fast-json-patch throws a plain TypeError for `__proto__` paths.
      throw rejected(err instanceof Error ? err.message : String(err));
    }
  }
  if (!isJsonObject(doc)) throw rejected("the patched document is not a JSON object");
  return doc;
}
