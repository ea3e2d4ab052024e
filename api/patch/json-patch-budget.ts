// What a JSON patch may cost: the patched document's serialized size is kept up to date as each
// operation is applied, from the sizes of the values the operation adds, copies or destroys, so a
// patch that grows the object far past the storage limit (14 `copy` operations doubling a 200 KB
// ConfigMap reach 3 GB) is refused at the operation that does it, without serializing the
// document. Mid-patch the document may reach twice the limit (so a large value can be replaced by
// adding the new one before removing the old); the result must fit the limit itself. Measuring is
// bounded too: every value measured is charged to a per-patch budget.

import { nestingDepth, MAX_NESTING_DEPTH } from "../decode/nesting";
import { jsonSize, jsonStringSize } from "../lifecycle/json-size";
import { MAX_OBJECT_BYTES, tooLargeToStore } from "../lifecycle/size";
import { type JsonObject, hasOwn, isJsonObject } from "./json-value";
import { rejected } from "./patch-errors";

/** Kubernetes' default --json-patch-max-copy-bytes: all `copy` operations of one patch together. */
export const MAX_JSON_PATCH_COPY_BYTES = 3 * 1024 * 1024;

/**
 * How much of the document one patch may measure in all. A patch that only adds, copies, replaces
 * and removes stays well below it (the original, the body twice and the copy limit); moving large
 * values back and forth does not.
 */
const MEASURE_BUDGET_BYTES = 32 * 1024 * 1024;

/** A place a JSON pointer names: `parent[key]`, or the document itself (no parent). */
export interface Location {
  parent?: JsonObject | unknown[];
  key: string;
  /** The value there now; undefined when there is none (an add to a new key or `-`). */
  value: unknown;
  /** How many pointer segments deep the place is. */
  depth: number;
}

/** Walks a pointer; undefined when a step before the last is missing (fast-json-patch then reports it). */
export function locate(doc: unknown, pointer: string): Location | undefined {
  if (pointer === "") return { key: "", value: doc, depth: 0 };
  const segments = pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  let node = doc;
  for (const segment of segments.slice(0, -1)) {
    node = childOf(node, segment);
    if (node === undefined) return undefined;
  }
  if (typeof node !== "object" || node === null) return undefined;
  const key = segments[segments.length - 1];
  return { parent: node as JsonObject | unknown[], key, value: childOf(node, key), depth: segments.length };
}

function childOf(node: unknown, key: string): unknown {
  if (Array.isArray(node)) return /^(0|[1-9][0-9]*)$/.test(key) ? node[Number(key)] : undefined;
  if (isJsonObject(node)) return hasOwn(node, key) ? node[key] : undefined;
  return undefined;
}

export class PatchBudget {
  private size: number;
  private copied = 0;
  private measured = 0;

  constructor(
    private readonly original: JsonObject,
    doc: unknown,
    private readonly maxBytes = MAX_OBJECT_BYTES,
  ) {
    // The stored original fits the limit, so this measures it whole.
    this.size = jsonSize(doc);
    this.measured = this.size;
  }

  /** The serialized size of the document as the budget has tracked it. */
  get bytes(): number {
    return this.size;
  }

  /**
   * Serialized bytes of a value, charged to the measuring budget. Counting stops past twice the
   * limit, where any value is too large: the count is then short, which only makes a removal
   * look smaller and an addition is refused anyway.
   */
  measure(value: unknown): number {
    const n = jsonSize(value, 2 * this.maxBytes);
    this.measured += Math.min(n, 2 * this.maxBytes);
    if (this.measured > MEASURE_BUDGET_BYTES) {
      throw rejected(`the patch handles more than ${MEASURE_BUDGET_BYTES} bytes of the object in all; split it into smaller patches`);
    }
    return n;
  }

  /** Accounts for `value` (`valueBytes` serialized) put at `at`: a new member, an array insertion, or a replacement. */
  added(at: Location, valueBytes: number, insert: boolean): void {
    if (!at.parent) {
      this.size = valueBytes;
      return;
    }
    if (Array.isArray(at.parent) && insert) this.size += valueBytes + (at.parent.length > 0 ? 1 : 0);
    else if (at.value !== undefined) this.size += valueBytes - this.measure(at.value);
    else this.size += jsonStringSize(at.key) + 1 + valueBytes + (hasMembers(at.parent, 1) ? 1 : 0);
  }

  /** Accounts for the member at `at` (its value `valueBytes` serialized) being taken out. */
  removed(at: Location, valueBytes: number): void {
    if (!at.parent) {
      this.size = 4; // the document becomes null, refused at the end
      return;
    }
    const comma = hasMembers(at.parent, 2) ? 1 : 0;
    this.size -= valueBytes + comma + (Array.isArray(at.parent) ? 0 : jsonStringSize(at.key) + 1);
  }

  /** A `copy` of `valueBytes` to `to`: Kubernetes' cap on copied bytes, and the nesting limit. */
  copying(value: unknown, valueBytes: number, to: Location): void {
    this.copied += valueBytes;
    if (this.copied > MAX_JSON_PATCH_COPY_BYTES) {
      throw rejected(`Unable to complete the copy, the accumulated size increase of copy is ${this.copied}, exceeding the limit ${MAX_JSON_PATCH_COPY_BYTES}`);
    }
    if (to.depth + nestingDepth(value) > MAX_NESTING_DEPTH) {
      throw rejected(`copy to ${JSON.stringify(to.key)} would nest the object more than ${MAX_NESTING_DEPTH} levels deep`);
    }
  }

  /** Throws the 413 once the document has grown past twice the limit; `step` says which operation did it. */
  check(step: string): void {
    if (this.size > 2 * this.maxBytes) throw tooLargeToStore(this.original, `more than ${2 * this.maxBytes} bytes serialized after ${step}`, this.maxBytes);
  }

  /** Throws the 413 when the patched document does not fit the limit. */
  checkResult(): void {
    if (this.size > this.maxBytes) throw tooLargeToStore(this.original, `${this.size} bytes serialized after the patch`, this.maxBytes);
  }
}

/** Whether a container has at least `n` members, without listing them all. */
function hasMembers(container: JsonObject | unknown[], n: number): boolean {
  if (Array.isArray(container)) return container.length >= n;
  let count = 0;
  for (const key in container) if (hasOwn(container, key) && ++count >= n) return true;
  return false;
}

