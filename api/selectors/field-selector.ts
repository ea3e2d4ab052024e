// Field selectors (`?fieldSelector=spec.nodeName=node1,status.phase!=Succeeded`): comma-separated
// `field=value`, `field==value` or `field!=value` terms, all of which must hold. Grammar and
// escaping follow apimachinery's fields.ParseSelector: in a value, `\,` `\=` and `\\` stand for
// the literal characters and a bare `,`/`=` is an error. Which fields a kind supports, and how
// their values are read, lives in field-sets.ts. Bad input throws a 400 with Kubernetes' wording.

import { errors } from "../errors";
import type { JsonObject } from "../object";
import { canonicalField, fieldValue } from "./field-sets";

export { selectableFields } from "./field-sets";

export interface FieldRequirement {
  readonly field: string;
  readonly operator: "=" | "!=";
  readonly value: string;
}

export type FieldMatcher = (obj: JsonObject) => boolean;

/** Splits on commas that are not escaped; the escapes stay in the terms for unescapeValue. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (escaped) escaped = false;
    else if (c === "\\") escaped = true;
    else if (c === ",") {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

/** The first operator occurrence splits the term; `!=` and `==` win over `=` at the same spot. */
function splitTerm(term: string): [string, "=" | "!=", string] | undefined {
  for (let i = 0; i < term.length; i++) {
    if (term.startsWith("!=", i)) return [term.slice(0, i), "!=", term.slice(i + 2)];
    if (term.startsWith("==", i)) return [term.slice(0, i), "=", term.slice(i + 2)];
    if (term.startsWith("=", i)) return [term.slice(0, i), "=", term.slice(i + 1)];
  }
  return undefined;
}

function unescapeValue(raw: string): string {
  let out = "";
  let escaped = false;
  for (const c of raw) {
    if (escaped) {
      if (c !== "\\" && c !== "," && c !== "=") {
        throw errors.badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      escaped = false;
    } else if (c === "\\") {
      escaped = true;
    } else if (c === "," || c === "=") {
      throw errors.badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  if (escaped) throw errors.badRequest("invalid field selector: invalid escape sequence: \\");
  return out;
}

/**
 * Parses a field selector for `kind` into requirements, canonicalising aliases (a pod's
 * `spec.host` is `spec.nodeName`). Unknown fields throw `field label not supported: X`.
 */
export function parseFieldSelector(kind: string, selector: string): FieldRequirement[] {
  const reqs: FieldRequirement[] = [];
  for (const term of splitTerms(selector).sort()) {
    if (term === "") continue;
    const parts = splitTerm(term);
    if (!parts) throw errors.badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const [rawField, operator, rawValue] = parts;
    const value = unescapeValue(rawValue);
    // Field names never contain spaces; trimming forgives `a=b, c=d` from hand-typed queries.
    const field = canonicalField(kind, rawField.trim());
    if (field === undefined) throw errors.badRequest(`field label not supported: ${rawField}`);
    reqs.push({ field, operator, value });
  }
  return reqs;
}

export function fieldRequirementsMatcher(kind: string, reqs: readonly FieldRequirement[]): FieldMatcher {
  if (reqs.length === 0) return () => true;
  return (obj) =>
    reqs.every((r) => {
      const actual = fieldValue(kind, obj, r.field);
      return r.operator === "=" ? actual === r.value : actual !== r.value;
    });
}

/** `fieldSelectorMatcher("Pod", "spec.nodeName=node1,status.phase!=Failed")(pod)`. */
export function fieldSelectorMatcher(kind: string, selector: string): FieldMatcher {
  return fieldRequirementsMatcher(kind, parseFieldSelector(kind, selector));
}

/**
 * The single value the requirements pin `field` to (`spec.nodeName=node1` → "node1"), or
 * undefined — so a caller can serve the list from an index (pods by node) instead of scanning.
 */
export function fieldSelectorExactMatch(reqs: readonly FieldRequirement[], field: string): string | undefined {
  return reqs.find((r) => r.field === field && r.operator === "=")?.value;
}

/** The selector in canonical string form, escaping values so the result parses back unchanged. */
export function fieldRequirementsToString(reqs: readonly FieldRequirement[]): string {
  const escape = (v: string) => v.replace(/[\\,=]/g, (c) => `\\${c}`);
  return reqs.map((r) => `${r.field}${r.operator}${escape(r.value)}`).join(",");
}
