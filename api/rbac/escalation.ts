// Privilege-escalation prevention (upstream pkg/registry/rbac: the policybased storages,
// EscalationAllowed, RoleEscalationAuthorized, BindingAuthorized, ConfirmNoEscalation). RBAC
// objects are the one place a user could hand out more than they hold, so:
//
//   - writing a Role/ClusterRole needs every rule in it already held by the writer in that
//     namespace (covers.ts), or the `escalate` verb on roles/clusterroles;
//   - setting a ClusterRole's aggregationRule (it can gather anything) needs full authority;
//   - writing a RoleBinding/ClusterRoleBinding needs the referenced role's rules held, or the
//     `bind` verb on that role (by name) in the binding's namespace;
//   - system:masters may do all of it; a write changing only ownerReferences/finalizers is free
//     (so the garbage collector can always clean up).
//
// Pure: the caller passes the writer's effective rules in the object's namespace ("" for the
// cluster-scoped kinds: then only ClusterRoleBindings count) from authorizer.ts's effectiveRules.
// A refusal's message is upstream's; the caller wraps it in the 403 of master/auth/forbidden.ts:
//   roles.rbac.authorization.k8s.io "r" is forbidden: user "alice" (groups=["dev"]) is attempting ...

import { deepEqual } from "../validation/field";
import { compactRules, compactString, goQuoted, uncoveredRules } from "./covers";
import { type RbacUser, ruleAllows } from "./rule-match";
import { ALL, type ClusterRole, type PolicyRule, RBAC_GROUP, type Role, type RoleRef } from "./types";

export const PRIVILEGED_GROUP = "system:masters";

/** Who is writing, and what they hold where the object lives. */
export interface Writer {
  user: RbacUser;
  /** The writer's effective rules in the object's namespace. */
  rules: readonly PolicyRule[];
  /** Errors met resolving those rules (missing roles); reported with a refusal, as upstream. */
  errors?: readonly string[];
}

export type EscalationCheck = { allowed: true } | { allowed: false; message: string };

const ALLOWED: EscalationCheck = { allowed: true };

const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: [ALL], apiGroups: [ALL], resources: [ALL] },
  { verbs: [ALL], nonResourceURLs: [ALL] },
];

/** Upstream's ConfirmNoEscalation: undefined when `writer` holds all of `rules`, else why not. */
export function escalationProblem(writer: Writer, rules: readonly PolicyRule[]): string | undefined {
  const missing = uncoveredRules(writer.rules, rules);
  if (missing.length === 0) return undefined;
  const lines = [...new Set(compactRules(missing).map(compactString))].sort();
  let message = `user ${JSON.stringify(writer.user.name)} (groups=${goQuoted(writer.user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join("\n")}`;
  if (writer.errors?.length) message += `; resolution errors: [${writer.errors.join(" ")}]`;
  return message;
}

function check(problem: string | undefined): EscalationCheck {
  return problem === undefined ? ALLOWED : { allowed: false, message: problem };
}

function writerMay(writer: Writer, verb: string, resource: string, namespace: string, name: string): boolean {
  const request = { user: writer.user, verb, resourceRequest: true, path: "", apiGroup: RBAC_GROUP, resource, subresource: "", namespace, name };
  return writer.rules.some((rule) => ruleAllows(request, rule));
}

/** Upstream's IsOnlyMutatingGCFields: nothing but ownerReferences and finalizers differ. */
export function onlyGarbageCollectionFieldsChanged(next: { metadata?: object }, prev: { metadata?: object }): boolean {
  const strip = (o: { metadata?: object }): unknown => ({ ...o, metadata: { ...o.metadata, ownerReferences: undefined, finalizers: undefined } });
  return deepEqual(strip(next), strip(prev));
}

const isPrivileged = (writer: Writer): boolean => writer.user.groups.includes(PRIVILEGED_GROUP);

export interface RoleWrite {
  kind: "Role" | "ClusterRole";
  /** The role as it would be stored. */
  role: Role | ClusterRole;
  /** The stored role, on update. */
  previous?: Role | ClusterRole;
}

/** May `writer` create or update this Role/ClusterRole? */
export function checkRoleWrite(writer: Writer, write: RoleWrite): EscalationCheck {
  const { role, previous } = write;
  if (isPrivileged(writer)) return ALLOWED;
  const resource = write.kind === "Role" ? "roles" : "clusterroles";
  if (writerMay(writer, "escalate", resource, role.metadata?.namespace ?? "", role.metadata?.name ?? "")) return ALLOWED;
  if (previous && onlyGarbageCollectionFieldsChanged(role, previous)) return ALLOWED;
  const rulesProblem = escalationProblem(writer, role.rules ?? []);
  if (rulesProblem !== undefined) return check(rulesProblem);
  const aggregation = "aggregationRule" in role ? role.aggregationRule : undefined;
  const previousAggregation = previous && "aggregationRule" in previous ? previous.aggregationRule : undefined;
  if (aggregation && !deepEqual(aggregation, previousAggregation) && escalationProblem(writer, FULL_AUTHORITY) !== undefined) {
    return { allowed: false, message: "must have cluster-admin privileges to use the aggregationRule" };
  }
  return ALLOWED;
}

export interface BindingWrite {
  binding: { metadata?: { namespace?: string; name?: string }; roleRef: RoleRef };
  previous?: { metadata?: object; roleRef: RoleRef };
  /** The referenced role's rules, or the error looking it up (policy.ts roleRefRules). */
  roleRules: readonly PolicyRule[] | { error: string };
}

/** May `writer` create or update this RoleBinding/ClusterRoleBinding? */
export function checkBindingWrite(writer: Writer, write: BindingWrite): EscalationCheck {
  const { binding, previous, roleRules } = write;
  if (isPrivileged(writer)) return ALLOWED;
  if (previous && onlyGarbageCollectionFieldsChanged(binding, previous)) return ALLOWED;
  const ref = binding.roleRef;
  const resource = ref.kind === "Role" ? "roles" : "clusterroles";
  if (writerMay(writer, "bind", resource, binding.metadata?.namespace ?? "", ref.name)) return ALLOWED;
  if ("error" in roleRules) return { allowed: false, message: roleRules.error };
  return check(escalationProblem(writer, roleRules));
}
