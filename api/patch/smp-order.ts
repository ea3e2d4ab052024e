// Where merged list items end up after a strategic merge patch. Kubernetes' rule (from the
// "preserve order in strategic merge patch" design): items named by the patch keep the patch's
// relative order, items only the server had keep the server's relative order, and the two runs
// are interleaved by the server's order where both sides know an item — so an item new to the
// server goes before the server-only items that follow it. `$setElementOrder` then re-sorts the
// named items. Keeping this identical to Kubernetes matters: container order is visible to users
// (`kubectl logs` defaults to the first container) and to kubectl's own next three-way diff.

import { type JsonObject, isJsonObject } from "./json-value";
import { patchErrors } from "./patch-errors";

/** An item's identity within its list: the merge-key value for objects, the value itself otherwise. */
export type Identity = (item: unknown) => unknown;

export function identityFor(mergeKey: string | undefined): Identity {
  if (!mergeKey) return (item) => item;
  return (item) => (isJsonObject(item) && Object.prototype.hasOwnProperty.call(item, mergeKey) ? item[mergeKey] : undefined);
}

/** Index of the first element of `list` with the same identity as `item`, or -1. */
export function indexIn(list: readonly unknown[], item: unknown, id: Identity): number {
  const key = id(item);
  if (key === undefined) return -1;
  return list.findIndex((other) => id(other) === key);
}

/** Splits `items` into those whose identity appears in `reference` and those whose does not. */
export function partitionByPresence(items: readonly unknown[], reference: readonly unknown[], id: Identity): [unknown[], unknown[]] {
  const present: unknown[] = [];
  const absent: unknown[] = [];
  for (const item of items) (indexIn(reference, item, id) >= 0 ? present : absent).push(item);
  return [present, absent];
}

function sortBy(items: readonly unknown[], order: readonly unknown[], id: Identity): unknown[] {
  const rank = (item: unknown) => {
    const i = indexIn(order, item, id);
    return i < 0 ? Number.POSITIVE_INFINITY : i;
  };
  // Array.prototype.sort is stable, so unranked items keep their relative order.
  return [...items].sort((a, b) => rank(a) - rank(b));
}

/**
 * Orders a merged list: `patchItems` by `patchOrder`, `serverOnly` by `serverOrder`, then
 * interleaved. A server-only item goes first only when the server order proves it precedes the
 * next patch item; otherwise the patch item goes first.
 */
export function normalizeElementOrder(
  patchItems: readonly unknown[],
  serverOnly: readonly unknown[],
  patchOrder: readonly unknown[],
  serverOrder: readonly unknown[],
  id: Identity,
): unknown[] {
  const right = sortBy(patchItems, patchOrder, id);
  const left = sortBy(serverOnly, serverOrder, id);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], id);
      const ri = indexIn(serverOrder, right[j], id);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function mergeKeyEqual(left: unknown, right: unknown, mergeKey: string | undefined): boolean {
  if (!mergeKey) return left === right;
  for (const side of [left, right]) {
    if (!isJsonObject(side)) throw patchErrors.badArgType("map", typeof side);
    if (!Object.prototype.hasOwnProperty.call(side, mergeKey)) throw patchErrors.noMergeKey(side, mergeKey);
  }
  return (left as JsonObject)[mergeKey] === (right as JsonObject)[mergeKey];
}

const hasDirective = (item: unknown) => isJsonObject(item) && Object.prototype.hasOwnProperty.call(item, "$patch");

/**
 * A `$setElementOrder` list must name the patch list's items in the same relative order (items
 * being deleted are exempt); otherwise the two directives contradict each other.
 */
export function validateSetElementOrder(patchList: readonly unknown[], order: readonly unknown[], mergeKey: string | undefined): void {
  if (order.length === 0 || patchList.length === 0) return;
  const kept = mergeKey
    ? patchList.filter((item) => {
        if (!isJsonObject(item)) throw patchErrors.badArgType("map", Array.isArray(item) ? "slice" : typeof item);
        return item.$patch !== "delete";
      })
    : patchList;
  let p = 0;
  let o = 0;
  while (p < kept.length && o < order.length) {
    if (hasDirective(kept[p])) {
      p++;
      continue;
    }
    if (mergeKeyEqual(kept[p], order[o], mergeKey)) p++;
    o++;
  }
  if (p < kept.length && o >= order.length) throw patchErrors.orderMismatch(patchList, order);
}
