// Structured label selectors (matchLabels + matchExpressions) inside workloads: their syntax
// rules, and whether one matches a pod template's labels. Matching itself is api/selectors'; this
// file only adapts it to validation, where an unparseable selector is a cause, not a 400.

import type { LabelSelector } from "kubernetes-types/meta/v1";
import { labelSelectorAsMatcher } from "../selectors/label-selector";
import { type FieldCause, child, forbidden, index, invalid, required } from "./field";
import { arr, isObj, objItems, str, strMap } from "./json";
import { validateLabelName, validateLabels } from "./meta";
import { isLabelValue } from "./names";

export function validateLabelSelector(selector: unknown, field: string): FieldCause[] {
  if (!isObj(selector)) return [];
  const causes = validateLabels(selector.matchLabels, child(field, "matchLabels"));
  for (const [expr, i] of objItems(selector.matchExpressions)) {
    const path = index(child(field, "matchExpressions"), i);
    const values = arr(expr.values).map(str);
    switch (expr.operator) {
      case "In":
      case "NotIn":
        if (values.length === 0) causes.push(required(child(path, "values"), "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case "Exists":
      case "DoesNotExist":
        if (values.length > 0) causes.push(forbidden(child(path, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        causes.push(invalid(child(path, "operator"), str(expr.operator), "not a valid selector operator"));
    }
    causes.push(...validateLabelName(str(expr.key), child(path, "key")));
    values.forEach((v, j) => {
      for (const msg of isLabelValue(v)) causes.push(invalid(index(child(path, "values"), j), v, msg));
    });
  }
  return causes;
}

/** The selector with JSON types forced to what LabelSelector declares. */
function sanitize(selector: unknown): LabelSelector | undefined {
  if (!isObj(selector)) return undefined;
  return {
    matchLabels: strMap(selector.matchLabels),
    matchExpressions: objItems(selector.matchExpressions).map(([e]) => ({
      key: str(e.key),
      operator: str(e.operator),
      values: Array.isArray(e.values) ? e.values.map(str) : undefined,
    })),
  };
}

export type SelectorMatcher = (labels: Record<string, string> | undefined) => boolean;

/**
 * Like metav1.LabelSelectorAsSelector: a missing selector matches nothing, `{}` matches
 * everything, and an invalid one yields undefined (the caller reports it).
 */
export function selectorMatcher(selector: unknown): SelectorMatcher | undefined {
  try {
    const matcher = labelSelectorAsMatcher(sanitize(selector));
    return (labels) => matcher(labels ?? {});
  } catch {
    return undefined;
  }
}

/** A present selector with no terms: it selects everything, which controllers refuse. */
export function isEmptySelector(selector: unknown): boolean {
  if (!isObj(selector)) return false;
  return Object.keys(strMap(selector.matchLabels) ?? {}).length === 0 && arr(selector.matchExpressions).length === 0;
}
