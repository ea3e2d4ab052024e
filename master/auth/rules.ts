// What a user may do in a namespace, as a list (SelfSubjectRulesReview, `kubectl auth can-i
// --list`). Authorizers that can enumerate their rules implement RulesResolver (RBAC will); the
// apiserver answers from `ctx.rules` when one is set. The system:masters bypass lists upstream's
// rules for it (everything); without a resolver the rest cannot be listed, and the answer says
// so (incomplete, with upstream's kind of evaluation error) rather than listing nothing as if
// nothing were allowed.

import type { NonResourceRule, ResourceRule, SubjectRulesReviewStatus } from "../../api/rbac/authorizer";
import { MASTERS_GROUP, type User } from "./user";

/** authorization.k8s.io/v1 SubjectRulesReviewStatus; RBAC's rulesFor answers in this form. */
export type SubjectRules = SubjectRulesReviewStatus;
export type { NonResourceRule, ResourceRule };

export interface RulesResolver {
  /** The rules that apply to `user` in `namespace` (cluster-wide rules included). */
  rulesFor(user: User, namespace: string): SubjectRules;
}

export const RULES_NOT_LISTABLE = "the rules of this authorizer cannot be listed";

/** What the system:masters bypass allows: everything (upstream's privileged-group rules). */
const MASTERS_RULES: SubjectRules = {
  resourceRules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }],
  nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }],
  incomplete: false,
};

/** The SelfSubjectRulesReview status for `user` in `namespace`. */
export function rulesFor(resolver: RulesResolver | undefined, user: User, namespace: string): SubjectRules {
  const masters = user.groups.includes(MASTERS_GROUP);
  if (!resolver) {
    if (masters) return structuredClone(MASTERS_RULES);
    return { resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: RULES_NOT_LISTABLE };
  }
  const resolved = resolver.rulesFor(user, namespace);
  if (!masters) return resolved;
  // The bypass's rules first, then the resolver's, as upstream's union authorizer lists them.
  return {
    ...resolved,
    resourceRules: [...structuredClone(MASTERS_RULES.resourceRules), ...resolved.resourceRules],
    nonResourceRules: [...structuredClone(MASTERS_RULES.nonResourceRules), ...resolved.nonResourceRules],
  };
}
