// Does one PolicyRule allow one request? Upstream's RuleAllows (plugin/pkg/auth/authorizer/rbac)
// and its rbacv1helpers matchers, with the same edge cases:
//
//   - verbs and apiGroups match exactly or by "*";
//   - resources match "*", the exact "pods" / "pods/log", or "*/<subresource>" ("*/scale");
//     "pods/*" is not a pattern upstream and matches only a subresource literally named "*";
//   - resourceNames: empty allows every name; otherwise the request must name one of them, so a
//     create, list, watch or deletecollection (which name nothing) never matches such a rule;
//   - nonResourceURLs match "*", exactly, or by prefix when the rule ends in "*" ("/healthz/*").
//
// The request is described structurally so the apiserver can pass its own attributes object.

import { ALL, type PolicyRule } from "./types";

/** The user as authorization sees it (master/auth's User is one). */
export interface RbacUser {
  name: string;
  groups: readonly string[];
}

/** What a rule is matched against; master/auth's RequestAttributes satisfies it. */
export interface RbacRequest {
  user: RbacUser;
  verb: string;
  /** false for paths outside the resource API (/healthz, /metrics, /version, ...). */
  resourceRequest: boolean;
  path: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  /** "" when the request names no object (create, list, watch, deletecollection). */
  name: string;
}

const has = (list: readonly string[] | undefined, value: string): boolean => list?.includes(value) ?? false;

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return has(rule.verbs, ALL) || has(rule.verbs, verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return has(rule.apiGroups, ALL) || has(rule.apiGroups, group);
}

/** `combined` is "pods" or "pods/log"; `subresource` is "" or "log". */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  return (rule.resources ?? []).some(
    (r) => r === ALL || r === combined || (subresource !== "" && r === `${ALL}/${subresource}`),
  );
}

export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name);
}

/** Whether a rule's URL pattern covers a path: "*", exact, or a prefix before a trailing "*". */
export function urlPatternMatches(pattern: string, path: string): boolean {
  if (pattern === ALL || pattern === path) return true;
  return pattern.endsWith(ALL) && path.startsWith(pattern.replace(/\*+$/, ""));
}

export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some((pattern) => urlPatternMatches(pattern, path));
}

export function ruleAllows(request: RbacRequest, rule: PolicyRule): boolean {
  if (!verbMatches(rule, request.verb)) return false;
  if (!request.resourceRequest) return nonResourceURLMatches(rule, request.path);
  const combined = request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
  return (
    apiGroupMatches(rule, request.apiGroup) &&
    resourceMatches(rule, combined, request.subresource) &&
    resourceNameMatches(rule, request.name)
  );
}
