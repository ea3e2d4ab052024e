// Test fixture: an RbacPolicy over plain arrays, and the default policy with its aggregated roles
// settled, as a cluster has it once the aggregation controller has run.

import { aggregateAll } from "../aggregation";
import { defaultClusterRoleBindings, defaultClusterRoles } from "../bootstrap-policy";
import type { RbacPolicy } from "../policy";
import type { RbacRequest } from "../rule-match";
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from "../types";

export interface PolicyObjects {
  clusterRoles?: ClusterRole[];
  clusterRoleBindings?: ClusterRoleBinding[];
  roles?: Role[];
  roleBindings?: RoleBinding[];
}

export function arrayPolicy(objects: PolicyObjects): RbacPolicy {
  return {
    clusterRoleBindings: () => objects.clusterRoleBindings ?? [],
    roleBindings: (namespace) => (objects.roleBindings ?? []).filter((b) => b.metadata?.namespace === namespace),
    role: (namespace, name) => objects.roles?.find((r) => r.metadata?.namespace === namespace && r.metadata.name === name),
    clusterRole: (name) => objects.clusterRoles?.find((r) => r.metadata?.name === name),
  };
}

/** The default policy plus `extra` objects, aggregation settled. */
export function defaultPolicy(extra: PolicyObjects = {}): RbacPolicy {
  return arrayPolicy({
    clusterRoles: aggregateAll([...defaultClusterRoles(), ...(extra.clusterRoles ?? [])]),
    clusterRoleBindings: [...defaultClusterRoleBindings(), ...(extra.clusterRoleBindings ?? [])],
    roles: extra.roles,
    roleBindings: extra.roleBindings,
  });
}

export function roleBinding(namespace: string, name: string, roleKind: "Role" | "ClusterRole", role: string, subjects: RoleBinding["subjects"]): RoleBinding {
  return { metadata: { namespace, name }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: roleKind, name: role }, subjects };
}

export function clusterRoleBinding(name: string, role: string, subjects: ClusterRoleBinding["subjects"]): ClusterRoleBinding {
  return { metadata: { name }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role }, subjects };
}

/** A resource request by `user` (in system:authenticated plus `groups`). */
export function resourceRequest(user: string, verb: string, resource: string, opts: Partial<Omit<RbacRequest, "user">> & { groups?: string[] } = {}): RbacRequest {
  const [plural, subresource = ""] = resource.split("/");
  const { groups = [], ...rest } = opts;
  return {
    user: { name: user, groups: [...groups, "system:authenticated"] },
    verb,
    resourceRequest: true,
    path: "",
    apiGroup: "",
    resource: plural,
    subresource,
    namespace: "",
    name: "",
    ...rest,
  };
}

export function pathRequest(user: string, verb: string, path: string, groups: string[] = []): RbacRequest {
  return { user: { name: user, groups }, verb, resourceRequest: false, path, apiGroup: "", resource: "", subresource: "", namespace: "", name: "" };
}
