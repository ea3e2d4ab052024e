// JSON patch (RFC 6902), Content-Type application/json-patch+json — what `kubectl rollout undo`
// sends. Operations are applied one at a time by the fast-json-patch package with validation on,
// to a copy, while json-patch-budget.ts keeps the copy's serialized size up to date.
//
// Status codes follow the Kubernetes apiserver: a body that is not a list of operation objects is
// a 400, more than 10,000 operations a 413, an operation that makes the object too large to store
// a 413, and any operation that fails against the object (a failed `test`, a missing path, an
// unknown op, more than 3 MiB copied in all) a 422 Invalid whose cause carries the reason.

import { type Operation, type Validator, applyOperation, JsonPatchError, validator } from "fast-json-patch";
import { MAX_NESTING_DEPTH, nestingDepth } from "../decode/nesting";
import { ApiError, errors } from "../errors";
import { MAX_OBJECT_BYTES } from "../lifecycle/size";
import { locate, PatchBudget } from "./json-patch-budget";
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

/**
 * Applies an RFC 6902 patch to a copy of `original`; throws ApiErrors as described above, and a
 * 413 when the result is larger than `maxBytes` serialized or, at the operation that does it, as
 * soon as the document grows past twice that.
 */
export function applyJsonPatch(original: JsonObject, patch: unknown, maxBytes = MAX_OBJECT_BYTES): JsonObject {
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
  const budget = new PatchBudget(original, doc, maxBytes);
  for (const [i, op] of patch.entries()) {
    const bad = precheck(op);
    if (bad) throw rejected(bad);
    try {
      // The operation is cloned too: fast-json-patch inserts `value` by reference, and later
      // operations could otherwise write through it into the caller's patch body.
      doc = applyOne(doc, structuredClone(op) as unknown as Operation, budget, i);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      if (err instanceof JsonPatchError) throw rejected(describe(err, op));
      // fast-json-patch throws a plain TypeError for `__proto__` paths.
      throw rejected(err instanceof Error ? err.message : String(err));
    }
    budget.check(`operation ${i + 1} of ${patch.length} (${String(op.op)} ${String(op.path)})`);
  }
  if (!isJsonObject(doc)) throw rejected("the patched document is not a JSON object");
  budget.checkResult();
  if (nestingDepth(doc) > MAX_NESTING_DEPTH) throw rejected(`the patched object nests more than ${MAX_NESTING_DEPTH} levels deep`);
  return doc;
}

/**
 * One operation, with the document's size kept up to date. `copy` and `move` are applied as the
 * add and remove they stand for, so values are measured once and the document is never copied
 * whole (fast-json-patch's own check of `from` copies the document for every copy and move).
 */
function applyOne(doc: unknown, op: Operation, budget: PatchBudget, index: number): unknown {
  const apply = (o: Operation, valueFromDocument = false) => applyOperation(doc, o, cheapValidator(valueFromDocument), true, true, index).newDocument;
  switch (op.op) {
    case "add":
    case "replace": {
      const at = locate(doc, op.path);
      if (at) budget.added(at, budget.measure(op.value), op.op === "add");
      return apply(op);
    }
    case "remove": {
      const at = locate(doc, op.path);
      if (at && at.value !== undefined) budget.removed(at, budget.measure(at.value));
      return apply(op);
    }
    case "copy": {
      const value = valueAt(doc, op.from, op.op);
      const to = locate(doc, op.path);
      if (!to) return apply({ op: "add", path: op.path, value: null });
      const bytes = budget.measure(value);
      budget.added(to, bytes, true);
      budget.check(`operation ${index + 1} (copy to ${op.path})`);
      budget.copying(value, bytes, to);
      return apply({ op: "add", path: op.path, value: structuredClone(value) }, true);
    }
    case "move": {
      if (op.from === op.path) return doc;
      const value = valueAt(doc, op.from, op.op);
      const bytes = budget.measure(value);
      budget.removed(locate(doc, op.from)!, bytes);
      doc = apply({ op: "remove", path: op.from });
      const to = locate(doc, op.path);
      if (to) budget.added(to, bytes, true);
      return apply({ op: "add", path: op.path, value }, true);
    }
    default:
      return apply(op);
  }
}

/** The value at `from`, or the 422 Kubernetes gives when there is none. */
function valueAt(doc: unknown, from: string, op: string): unknown {
  const value = locate(doc, from)?.value;
  if (value === undefined) throw rejected(`${op} operation does not apply: doc is missing from path: "${from}": missing value`);
  return value;
}

/**
 * fast-json-patch's validation without its two costly parts: for copy and move it checks `from`
 * by applying the operation to a copy of the whole document (checked by valueAt instead), and for
 * add it walks the value looking for `undefined`, which a value taken from the document cannot hold.
 */
function cheapValidator(valueFromDocument: boolean): Validator<unknown> {
  return (operation, index, document, existingPathFragment) => {
    const checked = valueFromDocument ? ({ ...operation, value: null } as Operation) : operation;
    const copyOrMove = operation.op === "copy" || operation.op === "move";
    validator(checked, index, copyOrMove ? undefined : document, existingPathFragment);
  };
}
