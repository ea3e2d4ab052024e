// The clusterrole-aggregation controller's computation: an aggregated ClusterRole (one with
// `aggregationRule.clusterRoleSelectors`, like admin/edit/view) holds the union of the rules of
// every other ClusterRole its selectors match. Pure: the caller lists ClusterRoles and writes.
//
// Order is upstream's and stable: selectors in order; for each, the matching roles sorted by
// name; their rules in order, each rule kept once (the first time it appears).

import type { LabelMatcher } from "../selectors/label-selector";
import { labelSelectorAsMatcher } from "../selectors/label-selector";
import { ruleKey, sameRules } from "./rule-equality";
import type { ClusterRole, PolicyRule } from "./types";

/** The matcher of one selector; one the selectors code rejects selects nothing (validation refuses it). */
function matcherOf(selector: Parameters<typeof labelSelectorAsMatcher>[0]): LabelMatcher {
  try {
    return labelSelectorAsMatcher(selector);
  } catch {
    return () => false;
  }
}

/** Go's string order (code units), not the locale's. */
const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The rules `role` aggregates from `all`, or undefined when it is not aggregated. */
export function aggregatedRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] | undefined {
  const selectors = role.aggregationRule?.clusterRoleSelectors;
  if (!selectors) return undefined;
  const byName = [...all].sort((a, b) => byteOrder(a.metadata?.name ?? "", b.metadata?.name ?? ""));
  const rules: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const selector of selectors) {
    const matches = matcherOf(selector);
    for (const other of byName) {
      if (other.metadata?.name === role.metadata?.name || !matches(other.metadata?.labels)) continue;
      for (const rule of other.rules ?? []) {
        const key = ruleKey(rule);
        if (seen.has(key)) continue;
        seen.add(key);
        rules.push(rule);
      }
    }
  }
  return rules;
}

/** The rules to write into `role`, or undefined when it is not aggregated or already up to date. */
export function aggregationUpdate(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] | undefined {
  const rules = aggregatedRules(role, all);
  return rules && !sameRules(rules, role.rules) ? rules : undefined;
}

/**
 * Every aggregated role of `roles` filled in, repeated until nothing changes: admin gathers edit,
 * which gathers view, so one pass is not enough. The input is not modified. What the controller
 * converges to, for callers that need the settled policy at once (startup, tests).
 */
export function aggregateAll(roles: readonly ClusterRole[]): ClusterRole[] {
  const out = roles.map((r) => structuredClone(r));
  // Each pass settles at least one more level of nesting; a chain cannot be longer than the list.
  for (let pass = 0; pass <= out.length; pass++) {
    let changed = false;
    for (const role of out) {
      const rules = aggregationUpdate(role, out);
      if (rules) {
        role.rules = rules;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return out;
}
