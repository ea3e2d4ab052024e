// What differs between two JSON values, for error messages that show a user what they changed
// (Kubernetes prints a go-cmp diff; this is the same information, one line per changed leaf).

import { deepEqual } from "./field";
import { isObj } from "./json";

/** A short, readable diff of two JSON values: one `-`/`+` pair per changed leaf. */
export function describeDiff(prev: unknown, next: unknown, path = ""): string[] {
  if (deepEqual(prev, next)) return [];
  const bothObjects = isObj(prev) && isObj(next);
  const bothArrays = Array.isArray(prev) && Array.isArray(next) && prev.length === next.length;
  if (bothObjects || bothArrays) {
    const a = prev as Record<string, unknown>;
    const b = next as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => describeDiff(a[k], b[k], Array.isArray(prev) ? `${path}[${k}]` : path ? `${path}.${k}` : k));
  }
  const show = (v: unknown): string => (v === undefined ? "<unset>" : JSON.stringify(v));
  return [`- ${path}: ${show(prev)}`, `+ ${path}: ${show(next)}`];
}
