// Field errors in Kubernetes' exact shape. A cause's message is apimachinery's ErrorBody(): the
// error type ("Required value", "Invalid value", …), then the offending value rendered the way Go
// prints it, then the detail — e.g. `Invalid value: "Foo_bar": a lowercase RFC 1123 subdomain …`.
// Field paths use Kubernetes' spelling: `spec.containers[0].image`, `metadata.labels[app]`.

import type { StatusCause } from "../errors";
import { renderGoValue } from "./go-format";

export type FieldReason =
  | "FieldValueRequired"
  | "FieldValueInvalid"
  | "FieldValueDuplicate"
  | "FieldValueNotSupported"
  | "FieldValueTooLong"
  | "FieldValueTooMany"
  | "FieldValueForbidden"
  | "FieldValueNotFound";

/** A validation cause: always has a reason and a field (possibly "" for the whole object). */
export interface FieldCause extends StatusCause {
  reason: FieldReason;
  field: string;
}

// ---- paths -------------------------------------------------------------------------------

/** `child("spec", "template")` → "spec.template"; an empty base yields just the child. */
export function child(base: string, ...names: string[]): string {
  return [base, ...names].filter((s) => s.length > 0).join(".");
}

/** `index("spec.containers", 0)` → "spec.containers[0]". */
export function index(base: string, i: number): string {
  return `${base}[${i}]`;
}

/** `key("metadata.labels", "app")` → "metadata.labels[app]" (Kubernetes does not quote keys). */
export function key(base: string, k: string): string {
  return `${base}[${k}]`;
}

// ---- constructors ------------------------------------------------------------------------

function withDetail(body: string, detail: string): string {
  return detail ? `${body}: ${detail}` : body;
}

export function required(field: string, detail = ""): FieldCause {
  return { reason: "FieldValueRequired", message: withDetail("Required value", detail), field };
}

export function invalid(field: string, value: unknown, detail: string): FieldCause {
  return { reason: "FieldValueInvalid", message: withDetail(`Invalid value: ${renderGoValue(value)}`, detail), field };
}

export function duplicate(field: string, value: unknown): FieldCause {
  return { reason: "FieldValueDuplicate", message: `Duplicate value: ${renderGoValue(value)}`, field };
}

export function notFound(field: string, value: unknown): FieldCause {
  return { reason: "FieldValueNotFound", message: `Not found: ${renderGoValue(value)}`, field };
}

/** `Unsupported value: "Foo": supported values: "Always", "Never"` */
export function notSupported(field: string, value: unknown, valid: readonly string[]): FieldCause {
  const detail = valid.length > 0 ? `supported values: ${valid.map((v) => JSON.stringify(v)).join(", ")}` : "";
  return { reason: "FieldValueNotSupported", message: withDetail(`Unsupported value: ${renderGoValue(value)}`, detail), field };
}

export function forbidden(field: string, detail: string): FieldCause {
  return { reason: "FieldValueForbidden", message: withDetail("Forbidden", detail), field };
}

/** `Too long: must have at most 262144 bytes` (the value itself is never echoed). */
export function tooLong(field: string, maxBytes: number): FieldCause {
  return { reason: "FieldValueTooLong", message: `Too long: must have at most ${maxBytes} bytes`, field };
}

export function tooMany(field: string, actual: number, max: number): FieldCause {
  return { reason: "FieldValueTooMany", message: `Too many: ${actual}: must have at most ${max} items`, field };
}

// ---- shared rules ------------------------------------------------------------------------

export const IS_NEGATIVE = "must be greater than or equal to 0";
export const FIELD_IMMUTABLE = "field is immutable";

/** Kubernetes' ValidateNonnegativeField. Non-numbers are left to the decoder and ignored here. */
export function nonNegative(value: unknown, field: string): FieldCause[] {
  return typeof value === "number" && value < 0 ? [invalid(field, value, IS_NEGATIVE)] : [];
}

export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

/** `field is immutable` when the JSON values differ (Kubernetes' ValidateImmutableField). */
export function immutable(newValue: unknown, oldValue: unknown, field: string, rendered?: unknown): FieldCause[] {
  return deepEqual(newValue, oldValue) ? [] : [invalid(field, rendered ?? newValue, FIELD_IMMUTABLE)];
}

/** Structural equality of JSON values; an absent key equals an explicit undefined. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const k of keys) if (!deepEqual(ra[k], rb[k])) return false;
  return true;
}

/** Drops causes with the same field and message (metadata rules run twice on update upstream too). */
export function dedupe(causes: readonly FieldCause[]): FieldCause[] {
  const seen = new Set<string>();
  return causes.filter((c) => {
    const id = `${c.field}\u0000${c.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
