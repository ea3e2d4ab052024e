// Kubernetes strategic merge patch (Content-Type application/strategic-merge-patch+json), the
// default of `kubectl patch` and what `kubectl apply`, `set image` and `cordon` send. It is a JSON
// merge patch (null deletes, maps merge) where lists may merge item by item according to per-field
// metadata (patch-metadata.ts), steered by directives in the patch:
//
//   {"$patch": "replace"}             in a map: replace the map; as a list item: replace the list
//   {"$patch": "delete", "name": x}   as a list item: remove the item whose merge key is x;
//                                     in a map: remove the map's contents
//   "$retainKeys": [k...]             in a map: drop every key not listed
//   "$setElementOrder/<list>": [...]  final relative order of the named items of <list>
//   "$deleteFromPrimitiveList/<list>" values to remove from a list of primitives
//
// Semantics follow apimachinery's StrategicMergeMapPatch (server side), including item order
// (smp-order.ts). Two deliberate differences, both because Gantry stores the patched JSON as-is
// instead of decoding it into Go structs (which silently drops leftovers): values the original
// lacks are merged into an empty value, so nested directives and nulls never reach storage; and
// `{"$patch": "merge"}` on a map is accepted as the explicit default rather than rejected.

import {
  type JsonObject,
  cloneJson,
  hasOwn,
  isJsonObject,
  jsonKind,
  own,
  put,
} from "./json-value";
import { type FieldPatchMeta, type PatchSchema, fieldMeta, patchSchemaFor } from "./patch-metadata";
import { patchErrors } from "./patch-errors";
import {
  type Identity,
  identityFor,
  normalizeElementOrder,
  partitionByPresence,
  validateSetElementOrder,
} from "./smp-order";

const DIRECTIVE = "$patch";
const RETAIN_KEYS = "$retainKeys";
const SET_ORDER = "$setElementOrder";
const DELETE_FROM = "$deleteFromPrimitiveList";

/**
 * Applies a strategic merge patch to an object of `kind`. Neither input is mutated and the result
 * shares no structure with them. Throws ApiErrors: 415 for kinds without patch metadata, 400 for
 * malformed patches, 422 for lists of lists.
 */
export function applyStrategicMergePatch(kind: string, original: JsonObject, patch: JsonObject): JsonObject {
  const schema = patchSchemaFor(kind);
  if (!schema) throw patchErrors.smpUnsupportedForKind(kind);
  if (!isJsonObject(patch)) throw patchErrors.badJsonDoc();
  return mergeMap(cloneJson(original), patch, schema);
}

/** The field a `$prefix/<field>` directive key names; a malformed key is a 400. */
function directiveTarget(key: string, prefix: string): string {
  if (!key.startsWith(`${prefix}/`)) {
    throw prefix === SET_ORDER ? patchErrors.badSetElementOrder() : patchErrors.badPrimitiveList();
  }
  return key.slice(prefix.length + 1);
}

function mergeMap(original: JsonObject, patch: JsonObject, schema: PatchSchema | undefined): JsonObject {
  if (hasOwn(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE];
    if (directive === "delete") return {};
    if (directive !== "replace" && directive !== "merge") throw patchErrors.badPatchType(directive, patch);
    const rest: JsonObject = {};
    for (const [k, v] of Object.entries(patch)) if (k !== DIRECTIVE) put(rest, k, v);
    return mergeMap(directive === "replace" ? {} : original, rest, schema);
  }

  const result: JsonObject = { ...original };
  if (hasOwn(patch, RETAIN_KEYS)) applyRetainKeys(result, patch);

  const done = new Set<string>();
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    const field = directiveTarget(key, SET_ORDER);
    applySetElementOrder(result, field, order, own(patch, field), fieldMeta(schema, field));
    done.add(field);
  }

  const deletions: [string, unknown][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (done.has(key) || key === RETAIN_KEYS || key.startsWith(SET_ORDER)) continue;
    if (key.startsWith(DELETE_FROM)) {
      deletions.push([directiveTarget(key, DELETE_FROM), value]);
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    const meta = fieldMeta(schema, key);
    const current = own(result, key);
    if (current === undefined || jsonKind(current) !== jsonKind(value)) {
      const fresh = freshValue(value, meta);
      if (fresh === undefined) delete result[key];
      else put(result, key, fresh);
    } else if (isJsonObject(value)) {
      put(result, key, meta.strategy === "replace" ? freshValue(value, meta) ?? {} : mergeMap(current as JsonObject, value, meta.fields));
    } else if (Array.isArray(value)) {
      put(result, key, mergeList(current as unknown[], value, meta));
    } else {
      put(result, key, value);
    }
  }

  // Deletions run last so they also remove values a $setElementOrder pass just kept in place.
  for (const [field, values] of deletions) {
    if (!Array.isArray(values)) throw patchErrors.badPrimitiveList();
    const current = own(result, field);
    if (Array.isArray(current)) put(result, field, current.filter((v) => !values.includes(v)));
  }
  return result;
}

/** `$retainKeys`: every non-null key the patch sets must be listed; unlisted keys are dropped. */
function applyRetainKeys(result: JsonObject, patch: JsonObject): void {
  const keep = patch[RETAIN_KEYS];
  if (!Array.isArray(keep)) throw patchErrors.badRetainKeys();
  const listed = new Set<unknown>(keep);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || key === RETAIN_KEYS || key.startsWith(DELETE_FROM) || key.startsWith(SET_ORDER)) continue;
    if (!listed.has(key)) throw patchErrors.badRetainKeys();
  }
  for (const key of Object.keys(result)) if (!listed.has(key)) delete result[key];
}

/**
 * Merges the patch's list for `field` (if any) and then imposes `$setElementOrder` on the items
 * it names; items only the server has keep their place relative to the server's order.
 */
function applySetElementOrder(result: JsonObject, field: string, order: unknown, patchList: unknown, meta: FieldPatchMeta): void {
  if (!Array.isArray(order)) throw patchErrors.badArgType("slice", jsonKind(order));
  const current = own(result, field);
  if (current !== undefined && !Array.isArray(current)) throw patchErrors.badArgType("slice", jsonKind(current));
  if (patchList !== undefined && !Array.isArray(patchList)) throw patchErrors.badArgType("slice", jsonKind(patchList));
  const mergeKey = meta.strategy === "merge" ? meta.mergeKey : undefined;
  if (mergeKey) {
    for (const item of order) {
      if (!isJsonObject(item)) throw patchErrors.badArgType("map", jsonKind(item));
      if (!hasOwn(item, mergeKey)) throw patchErrors.noMergeKey(item, mergeKey);
    }
  }
  validateSetElementOrder(patchList ?? [], order, mergeKey);
  if (current === undefined && patchList === undefined) return;
  const merged = patchList === undefined ? (current as unknown[]) : mergeList((current as unknown[] | undefined) ?? [], patchList, meta);
  const id = identityFor(mergeKey);
  const [named, serverOnly] = partitionByPresence(merged, order, id);
  put(result, field, normalizeElementOrder(named, serverOnly, order, (current as unknown[] | undefined) ?? [], id));
}

/**
 * A patch value for a key the original lacks (or holds with another JSON type): the value merged
 * into an empty one, so directives are interpreted and nulls dropped. Undefined means "no field":
 * a `{"$patch": "delete"}` map deletes nothing into existence.
 */
function freshValue(value: unknown, meta: FieldPatchMeta): unknown {
  if (isJsonObject(value)) return value[DIRECTIVE] === "delete" ? undefined : mergeMap({}, value, meta.fields);
  if (Array.isArray(value)) return mergeList([], value, meta);
  return value;
}

/** The element type shared by two lists; lists of lists and mixed types cannot be merged. */
function elementKind(original: readonly unknown[], patch: readonly unknown[]): string {
  const kinds = new Set([...original, ...patch].map(jsonKind));
  if (kinds.has("array")) throw patchErrors.listOfLists();
  if (kinds.size > 1) throw patchErrors.mixedElementTypes([original, patch]);
  return kinds.values().next().value ?? "null";
}

function mergeList(original: unknown[], patch: unknown[], meta: FieldPatchMeta): unknown[] {
  if (meta.strategy !== "merge") {
    // Atomic list: the patch's list is the new value, its items fresh copies.
    return patch.map((item) => (isJsonObject(item) ? (freshValue(item, { fields: meta.fields }) ?? {}) : cloneJson(item)));
  }
  if (original.length === 0 && patch.length === 0) return [];
  if (elementKind(original, patch) !== "object") return mergePrimitiveSet(original, patch);
  if (!meta.mergeKey) throw patchErrors.noMergeKeyForList();
  return mergeObjectList(original as JsonObject[], patch as JsonObject[], meta.mergeKey, meta.fields);
}

/** A primitive list with merge strategy is a set: union, patch values ordered by the patch. */
function mergePrimitiveSet(original: unknown[], patch: unknown[]): unknown[] {
  const merged: unknown[] = [];
  for (const v of [...original, ...patch]) if (!merged.includes(v)) merged.push(v);
  const id: Identity = (item) => item;
  const [named, serverOnly] = partitionByPresence(merged, patch, id);
  return normalizeElementOrder(named, serverOnly, patch, original, id);
}

/** Lists of objects merged on `mergeKey`, after `$patch: delete` / `$patch: replace` items act. */
function mergeObjectList(original: JsonObject[], patch: JsonObject[], mergeKey: string, fields: PatchSchema | undefined): unknown[] {
  const sameKey = (a: JsonObject, b: JsonObject) => hasOwn(a, mergeKey) && a[mergeKey] === b[mergeKey];
  let base: JsonObject[] = original;
  let replace = false;
  const items: JsonObject[] = [];
  for (const item of patch) {
    if (!hasOwn(item, DIRECTIVE)) {
      items.push(item);
      continue;
    }
    const directive = item[DIRECTIVE];
    if (directive === "delete") {
      if (!hasOwn(item, mergeKey)) throw patchErrors.noMergeKey(item, mergeKey);
      base = base.filter((o) => !sameKey(o, item));
    } else if (directive === "replace") {
      replace = true;
    } else if (directive === "merge") {
      throw patchErrors.mergeDirectiveInList();
    } else {
      throw patchErrors.badPatchType(directive, item);
    }
  }
  const id = identityFor(mergeKey);
  if (replace) {
    // The patch's plain items become the whole list, in the patch's order.
    return items.map((item) => mergeMap({}, item, fields));
  }
  const merged: JsonObject[] = [...base];
  for (const item of items) {
    if (!hasOwn(item, mergeKey)) throw patchErrors.noMergeKey(item, mergeKey);
    const at = merged.findIndex((o) => sameKey(o, item));
    if (at >= 0) merged[at] = mergeMap(merged[at], item, fields);
    else merged.push(mergeMap({}, item, fields));
  }
  const [named, serverOnly] = partitionByPresence(merged, items, id);
  return normalizeElementOrder(named, serverOnly, items, base, id);
}
