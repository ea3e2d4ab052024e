// The RBAC objects an authorization decision reads, and upstream's VisitRulesFor walk over them.
//
// `RbacPolicy` is the contract the apiserver implements (over informer caches): it lists
// bindings and looks roles up, synchronously, with no I/O of its own here. `visitRules` yields,
// in upstream's order, every rule that applies to a user in a namespace together with the binding
// that granted it, and an error for each binding whose role is missing:
//
//   1. every ClusterRoleBinding naming the user (ServiceAccount subjects need a namespace here);
//   2. when a namespace is given, its RoleBindings naming the user; a RoleBinding may reference a
//      Role of its namespace or a ClusterRole, whose rules then apply in that namespace only.

import type { RbacUser } from "./rule-match";
import { appliesTo, describeSubject } from "./subjects";
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject } from "./types";

export interface RbacPolicy {
  clusterRoleBindings(): readonly ClusterRoleBinding[];
  /** The RoleBindings of one namespace. */
  roleBindings(namespace: string): readonly RoleBinding[];
  role(namespace: string, name: string): Role | undefined;
  clusterRole(name: string): ClusterRole | undefined;
}

/** One rule that applies, and the sentence naming where it came from (upstream's describer). */
export interface GrantedRule {
  rule: PolicyRule;
  source: string;
}

export type VisitedRule = GrantedRule | { error: string };

/** Upstream's GetRoleReferenceRules, with the listers' NotFound wording for a missing role. */
export function roleRefRules(ref: RoleRef, bindingNamespace: string, policy: RbacPolicy): PolicyRule[] | { error: string } {
  switch (ref.kind) {
    case "Role": {
      const role = policy.role(bindingNamespace, ref.name);
      return role ? (role.rules ?? []) : { error: `role.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found` };
    }
    case "ClusterRole": {
      const role = policy.clusterRole(ref.name);
      return role ? (role.rules ?? []) : { error: `clusterrole.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found` };
    }
    default:
      return { error: `unsupported role reference kind: ${JSON.stringify(ref.kind)}` };
  }
}

function describeBinding(kind: "ClusterRoleBinding" | "RoleBinding", name: string, ref: RoleRef, subject: Subject, namespace: string): string {
  const bindingName = kind === "RoleBinding" ? `${name}/${namespace}` : name;
  return `${kind} ${JSON.stringify(bindingName)} of ${ref.kind} ${JSON.stringify(ref.name)} to ${describeSubject(subject, namespace)}`;
}

function* bindingRules(
  kind: "ClusterRoleBinding" | "RoleBinding",
  binding: ClusterRoleBinding | RoleBinding,
  user: RbacUser,
  namespace: string,
  policy: RbacPolicy,
): Generator<VisitedRule> {
  const subject = appliesTo(user, binding.subjects, namespace);
  if (!subject) return;
  const rules = roleRefRules(binding.roleRef, namespace, policy);
  if ("error" in rules) {
    yield rules;
    return;
  }
  const source = describeBinding(kind, binding.metadata?.name ?? "", binding.roleRef, subject, namespace);
  for (const rule of rules) yield { rule, source };
}

/** Every rule granted to `user` in `namespace` ("" for cluster scope), in upstream's order. */
export function* visitRules(user: RbacUser, namespace: string, policy: RbacPolicy): Generator<VisitedRule> {
  for (const binding of policy.clusterRoleBindings()) yield* bindingRules("ClusterRoleBinding", binding, user, "", policy);
  if (namespace === "") return;
  for (const binding of policy.roleBindings(namespace)) yield* bindingRules("RoleBinding", binding, user, namespace, policy);
}

/** utilerrors.NewAggregate's message: one error alone, several as `[a, b]`. */
export function aggregateMessage(errors: readonly string[]): string {
  return errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`;
}
