// Small mutators for defaulting. Defaulting works on a private deep copy (see index.ts), so these
// write in place. "Unset" follows Go: a nil pointer, an empty string, or — for the plain int
// fields Kubernetes treats that way — zero.

import { type Obj, isObj } from "../validation/json";

export { type Obj, isObj, str } from "../validation/json";

/** The object at `o[key]`, creating `{}` when absent or not an object. */
export function ensureObj(o: Obj, key: string): Obj {
  if (!isObj(o[key])) o[key] = {};
  return o[key] as Obj;
}

/** Objects in the array at `o[key]` (non-objects are skipped; nothing is created). */
export function objList(o: Obj, key: string): Obj[] {
  const v = o[key];
  return Array.isArray(v) ? v.filter(isObj) : [];
}

const absent = (v: unknown): boolean => v === undefined || v === null;

/** Default for a pointer field: only when absent. */
export function setIfAbsent(o: Obj, key: string, value: unknown): void {
  if (absent(o[key])) o[key] = value;
}

/** Default for a string field: when absent or "". */
export function setIfEmpty(o: Obj, key: string, value: string): void {
  if (absent(o[key]) || o[key] === "") o[key] = value;
}

/** Default for a non-pointer int field: when absent or 0. */
export function setIfZero(o: Obj, key: string, value: number): void {
  if (absent(o[key]) || o[key] === 0) o[key] = value;
}
