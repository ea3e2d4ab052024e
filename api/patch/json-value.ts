// Small helpers for walking parsed JSON in the patch algorithms. Patches must never mutate their
// inputs (callers keep the stored object for conflict checks and watch events), so results are
// built from copies.

import { decodeJson } from "../decode/json";
import { type JsonObject, isJsonObject } from "../object";

export { type JsonObject, isJsonObject };

export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}

/** The JSON type name of a value, for type comparisons and error messages. */
export function jsonKind(value: unknown): "object" | "array" | "string" | "number" | "boolean" | "null" {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  const t = typeof value;
  if (t === "string" || t === "number" || t === "boolean") return t;
  return "object";
}

/**
 * Accepts a patch body as already-parsed JSON, a string, or raw bytes; bytes and strings are
 * decoded here (with the nesting limit) so every patch type reports bad JSON the same way (400).
 */
export function parsePatchBody(body: unknown): unknown {
  if (typeof body === "string" || body instanceof Uint8Array) return decodeJson(body, "the patch");
  return body;
}

/**
 * Sets a key on a result object. `__proto__` arrives as an ordinary key from JSON.parse; plain
 * assignment would change the object's prototype instead of storing a field.
 */
export function put(obj: JsonObject, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

export function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** Reads an own key only, so `__proto__` or `constructor` never resolve to inherited values. */
export function own(obj: JsonObject, key: string): unknown {
  return hasOwn(obj, key) ? obj[key] : undefined;
}
