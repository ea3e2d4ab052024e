// Pieces the apps/v1 workloads share: int-or-percent rollout knobs (maxUnavailable, maxSurge),
// and the required, non-empty selector that must match the pod template's labels.

import { type FieldCause, immutable, invalid, nonNegative, required } from "./field";
import { GoRepr, goLabelSelector } from "./go-format";
import { isObj, obj } from "./json";
import { isEmptySelector, selectorMatcher, validateLabelSelector } from "./label-selector";
import { isValidPercent } from "./names";
import { validateControllerTemplate, validateTemplateLabelsMatch } from "./pod-template";

/** IntOrString as Go's String() prints it (no quotes), for error values. */
export function intOrStringRepr(value: unknown): GoRepr {
  return new GoRepr(typeof value === "number" ? String(value) : typeof value === "string" ? value : "0");
}

export function validatePositiveIntOrPercent(value: unknown, field: string): FieldCause[] {
  if (typeof value === "string") return isValidPercent(value).map((msg) => invalid(field, intOrStringRepr(value), msg));
  if (typeof value === "number") return nonNegative(value, field);
  return [];
}

/** The number behind "25%" or 3; like intstr.IntValue, a non-numeric string counts as 0. */
export function intOrPercentValue(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string") {
    const m = /^(\d+)%?$/.exec(value);
    return m ? Number(m[1]) : 0;
  }
  return 0;
}

export function isNotMoreThan100Percent(value: unknown, field: string): FieldCause[] {
  if (typeof value !== "string" || isValidPercent(value).length > 0) return [];
  return intOrPercentValue(value) > 100 ? [invalid(field, intOrStringRepr(value), "must not be greater than 100%")] : [];
}

/**
 * Selector + template for ReplicaSets and Deployments: the selector is required and non-empty,
 * must parse, and must match the template; the template must restart Always.
 */
export function validateSelectorAndTemplate(spec: unknown, field: string, emptyMessage: string): FieldCause[] {
  const s = obj(spec);
  const causes: FieldCause[] = [];
  if (!isObj(s.selector)) causes.push(required(`${field}.selector`));
  else {
    causes.push(...validateLabelSelector(s.selector, `${field}.selector`));
    if (isEmptySelector(s.selector)) causes.push(invalid(`${field}.selector`, goLabelSelector(s.selector), emptyMessage));
  }
  const matcher = selectorMatcher(s.selector);
  if (!matcher) causes.push(invalid(`${field}.selector`, goLabelSelector(s.selector), "invalid label selector"));
  else {
    causes.push(...validateTemplateLabelsMatch(s.template, matcher, `${field}.template`));
    causes.push(...validateControllerTemplate(s.template, "ReplicaSet", `${field}.template`));
  }
  return causes;
}

/** apps/v1 selectors never change after creation. */
export function validateSelectorImmutable(next: unknown, prev: unknown): FieldCause[] {
  const selector = obj(next).selector;
  return immutable(selector, obj(prev).selector, "spec.selector", goLabelSelector(selector));
}
