// Rule identity as upstream's equality.Semantic sees it: the same lists in the same order, with
// a missing list equal to an empty one.

import type { PolicyRule } from "./types";

/** A string equal for exactly the rules Semantic.DeepEqual calls equal. */
export function ruleKey(rule: PolicyRule): string {
  return JSON.stringify([rule.verbs ?? [], rule.apiGroups ?? [], rule.resources ?? [], rule.resourceNames ?? [], rule.nonResourceURLs ?? []]);
}

export function sameRules(a: readonly PolicyRule[] | undefined, b: readonly PolicyRule[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((rule, i) => ruleKey(rule) === ruleKey(y[i]));
}
