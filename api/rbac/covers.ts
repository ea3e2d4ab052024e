// Whether one set of rules grants everything another does: upstream's validation.Covers, which
// privilege-escalation checks and the default-policy reconciler both use.
//
// The wanted rules are broken into one-verb, one-resource, one-name pieces (BreakdownRule); each
// piece must be covered by a single owner rule. An owner's "pods/*"-style entries are not
// patterns, but "*/scale" covers "deployments/scale", and "/healthz/*" covers "/healthz/etcd".

import { urlPatternMatches } from "./rule-match";
import { ALL, type PolicyRule } from "./types";

/** One rule per (apiGroup, resource, verb, resourceName) and per (nonResourceURL, verb). */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const pieces: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs) {
        const names = rule.resourceNames ?? [];
        if (names.length === 0) pieces.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        for (const name of names) pieces.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) {
    for (const verb of rule.verbs) pieces.push({ nonResourceURLs: [url], verbs: [verb] });
  }
  return pieces;
}

const hasAll = (set: readonly string[], wanted: readonly string[]): boolean => wanted.every((w) => set.includes(w));
const coversAllOrEvery = (set: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean =>
  (set ?? []).includes(ALL) || hasAll(set ?? [], wanted ?? []);

function resourcesCovered(owner: readonly string[], wanted: readonly string[]): boolean {
  if (owner.includes(ALL) || hasAll(owner, wanted)) return true;
  return wanted.every((path) => {
    if (owner.includes(path)) return true;
    const slash = path.indexOf("/");
    return slash >= 0 && owner.includes(`${ALL}/${path.slice(slash + 1)}`);
  });
}

function urlsCovered(owner: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((path) => owner.some((pattern) => urlPatternMatches(pattern, path)));
}

/** Does `owner` (any shape) cover `piece` (one verb, one resource or URL, at most one name)? */
export function ruleCovers(owner: PolicyRule, piece: PolicyRule): boolean {
  const ownerNames = owner.resourceNames ?? [];
  const pieceNames = piece.resourceNames ?? [];
  const namesCovered = ownerNames.length === 0 || (pieceNames.length > 0 && hasAll(ownerNames, pieceNames));
  return (
    coversAllOrEvery(owner.verbs, piece.verbs) &&
    coversAllOrEvery(owner.apiGroups, piece.apiGroups) &&
    resourcesCovered(owner.resources ?? [], piece.resources ?? []) &&
    urlsCovered(owner.nonResourceURLs ?? [], piece.nonResourceURLs ?? []) &&
    namesCovered
  );
}

/** The pieces of `wanted` no rule of `owner` covers; empty when `owner` covers it all. */
export function uncoveredRules(owner: readonly PolicyRule[], wanted: readonly PolicyRule[]): PolicyRule[] {
  return wanted.flatMap(breakdownRule).filter((piece) => !owner.some((o) => ruleCovers(o, piece)));
}

export function covers(owner: readonly PolicyRule[], wanted: readonly PolicyRule[]): boolean {
  return uncoveredRules(owner, wanted).length === 0;
}

/**
 * Upstream's CompactRules: pieces naming the same group, resource and (at most one) name merge
 * into one rule with all their verbs, so an error lists `{APIGroups:[""], Resources:["pods"],
 * Verbs:["get" "list"]}` once instead of once per verb.
 */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const merged = new Map<string, PolicyRule>();
  const others: PolicyRule[] = [];
  for (const rule of rules) {
    const simple = (rule.resourceNames?.length ?? 0) <= 1 && !rule.nonResourceURLs?.length && rule.apiGroups?.length === 1 && rule.resources?.length === 1;
    if (!simple) {
      others.push(rule);
      continue;
    }
    const key = JSON.stringify([rule.apiGroups, rule.resources, rule.resourceNames ?? []]);
    const existing = merged.get(key);
    if (existing) existing.verbs.push(...rule.verbs);
    else merged.set(key, { ...rule, verbs: [...rule.verbs] });
  }
  return [...others, ...merged.values()];
}

/** Go's %q of a []string: `["get" "list"]`. */
export const goQuoted = (list: readonly string[]): string => `[${list.map((s) => JSON.stringify(s)).join(" ")}]`;

/** Upstream's CompactString, the form escalation errors list missing rules in. */
export function compactString(rule: PolicyRule): string {
  const parts: string[] = [];
  if (rule.apiGroups?.length) parts.push(`APIGroups:${goQuoted(rule.apiGroups)}`);
  if (rule.resources?.length) parts.push(`Resources:${goQuoted(rule.resources)}`);
  if (rule.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goQuoted(rule.nonResourceURLs)}`);
  if (rule.resourceNames?.length) parts.push(`ResourceNames:${goQuoted(rule.resourceNames)}`);
  if (rule.verbs.length) parts.push(`Verbs:${goQuoted(rule.verbs)}`);
  return `{${parts.join(", ")}}`;
}
