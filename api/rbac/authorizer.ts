// The RBAC authorizer (upstream's RBACAuthorizer): `rbacAuthorize` decides one request, and
// `rulesFor` lists what a user may do in a namespace, for SelfSubjectRulesReview
// (`kubectl auth can-i --list`). Both walk the policy with `visitRules` (policy.ts).
//
//   allowed:  {allowed: true,  reason: 'RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "z"'}
//   denied:   {allowed: false, reason: ""}  — or 'RBAC: role.rbac.authorization.k8s.io "r" not found'
//             when a binding naming the user points at a missing role (upstream reports these).
//
// A denial is upstream's NoOpinion: the caller's chain may still allow; the 403 wording lives in
// master/auth/forbidden.ts.

import { aggregateMessage, type RbacPolicy, visitRules } from "./policy";
import { type RbacRequest, type RbacUser, ruleAllows } from "./rule-match";
import type { PolicyRule } from "./types";

// authorization.k8s.io/v1 SubjectRulesReviewStatus. Spelled out here because kubernetes-types'
// ResourceRule lost its verbs and resources (a "*/" in their doc comment ends the comment early).
export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs?: string[];
}

export interface SubjectRulesReviewStatus {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  incomplete: boolean;
  evaluationError?: string;
}

export interface RbacDecision {
  allowed: boolean;
  reason: string;
}

export function rbacAuthorize(request: RbacRequest, policy: RbacPolicy): RbacDecision {
  const errors: string[] = [];
  for (const visited of visitRules(request.user, request.namespace, policy)) {
    if ("error" in visited) errors.push(visited.error);
    else if (ruleAllows(request, visited.rule)) return { allowed: true, reason: `RBAC: allowed by ${visited.source}` };
  }
  return { allowed: false, reason: errors.length > 0 ? `RBAC: ${aggregateMessage(errors)}` : "" };
}

/** The rules that apply to `user` in `namespace`, and the errors met on the way (upstream's RulesFor). */
export function effectiveRules(user: RbacUser, namespace: string, policy: RbacPolicy): { rules: PolicyRule[]; errors: string[] } {
  const rules: PolicyRule[] = [];
  const errors: string[] = [];
  for (const visited of visitRules(user, namespace, policy)) {
    if ("error" in visited) errors.push(visited.error);
    else rules.push(visited.rule);
  }
  return { rules, errors };
}

function resourceRule(rule: PolicyRule): ResourceRule {
  const out: ResourceRule = { verbs: [...rule.verbs] };
  if (rule.apiGroups?.length) out.apiGroups = [...rule.apiGroups];
  if (rule.resources?.length) out.resources = [...rule.resources];
  if (rule.resourceNames?.length) out.resourceNames = [...rule.resourceNames];
  return out;
}

/**
 * SelfSubjectRulesReview's status: each rule with resources as a resourceRule, each with
 * nonResourceURLs as a nonResourceRule, in the order the bindings granted them. RBAC always
 * reports `incomplete: false` (as upstream's RBACAuthorizer); a missing role becomes the
 * evaluationError, and the rules found are still listed.
 */
export function rulesFor(user: RbacUser, namespace: string, policy: RbacPolicy): SubjectRulesReviewStatus {
  const { rules, errors } = effectiveRules(user, namespace, policy);
  const status: SubjectRulesReviewStatus = {
    resourceRules: rules.filter((r) => (r.resources?.length ?? 0) > 0).map(resourceRule),
    nonResourceRules: rules
      .filter((r) => (r.nonResourceURLs?.length ?? 0) > 0)
      .map((r): NonResourceRule => ({ verbs: [...r.verbs], nonResourceURLs: [...(r.nonResourceURLs ?? [])] })),
    incomplete: false,
  };
  if (errors.length > 0) status.evaluationError = aggregateMessage(errors);
  return status;
}
