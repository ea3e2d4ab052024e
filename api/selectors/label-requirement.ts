// One term of a label selector (`app=web`, `tier in (a,b)`, `!canary`): its validated construction,
// its match rule and its string form. The parser and the structured LabelSelector conversion both
// build requirements here, so the two spellings of a selector behave identically.

import { aggregate, invalidValue, labelKeyErrors, labelValueErrors } from "./label-syntax";

export type LabelOperator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Empty for `exists` and `!`; exactly one for `=`, `==`, `!=`, `gt`, `lt`; at least one for `in`/`notin`. */
  readonly values: readonly string[];
}

/** Go's strconv.ParseInt(s, 10, 64) accepts an optional sign and decimal digits, nothing else. */
const INT64_RE = /^[+-]?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function parseInt64(s: string): bigint | undefined {
  if (!INT64_RE.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/**
 * Builds a requirement, returning Kubernetes' error text instead when it is invalid (the caller
 * decides how to report it). `keyPath` is the field path Kubernetes prints for a bad key.
 */
export function newRequirement(
  key: string,
  operator: LabelOperator,
  values: readonly string[],
  keyPath = "key",
): LabelRequirement | { error: string } {
  const errs: string[] = [];
  const keyErrs = labelKeyErrors(key);
  if (keyErrs.length) errs.push(invalidValue(keyPath, key, keyErrs));
  const shown = `[]string{${values.map((v) => JSON.stringify(v)).join(", ")}}`;
  switch (operator) {
    case "in":
    case "notin":
      if (values.length === 0) errs.push(`values: Invalid value: ${shown}: for 'in', 'notin' operators, values set can't be empty`);
      break;
    case "=":
    case "==":
    case "!=":
      if (values.length !== 1) errs.push(`values: Invalid value: ${shown}: exact-match compatibility requires one single value`);
      break;
    case "exists":
    case "!":
      if (values.length !== 0) errs.push(`values: Invalid value: ${shown}: values set must be empty for exists and does not exist`);
      break;
    case "gt":
    case "lt":
      if (values.length !== 1) errs.push(`values: Invalid value: ${shown}: for 'Gt', 'Lt' operators, exactly one value is required`);
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(invalidValue(`values[${i}]`, v, ["for 'Gt', 'Lt' operators, the value must be an integer"]));
        }
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length) errs.push(invalidValue(`values[${i}][${key}]`, v, valueErrs));
  });
  if (errs.length) return { error: aggregate(errs) };
  return { key, operator, values: [...values] };
}

export function matchesRequirement(r: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case "=":
    case "==":
    case "in":
      return has && r.values.includes(value as string);
    case "!=":
    case "notin":
      // A missing label is "not equal" to anything: `env!=prod` selects unlabelled objects too.
      return !has || !r.values.includes(value as string);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (!has) return false;
      const actual = parseInt64(value as string);
      const bound = r.values.length === 1 ? parseInt64(r.values[0]) : undefined;
      if (actual === undefined || bound === undefined) return false;
      return r.operator === "gt" ? actual > bound : actual < bound;
    }
  }
}

/** The requirement as Kubernetes prints it; set values are sorted so equal selectors print equally. */
export function requirementToString(r: LabelRequirement): string {
  const vals = r.values.length > 1 ? [...r.values].sort() : r.values;
  switch (r.operator) {
    case "exists":
      return r.key;
    case "!":
      return `!${r.key}`;
    case "in":
    case "notin":
      return `${r.key} ${r.operator} (${vals.join(",")})`;
    case "gt":
      return `${r.key}>${vals.join(",")}`;
    case "lt":
      return `${r.key}<${vals.join(",")}`;
    default:
      return `${r.key}${r.operator}${vals.join(",")}`;
  }
}

/** Sorted by key, as Kubernetes sorts, so the string form and evaluation order are deterministic. */
export function sortRequirements(reqs: LabelRequirement[]): LabelRequirement[] {
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
