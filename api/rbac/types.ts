// rbac.authorization.k8s.io/v1 as Gantry reads it: the four kinds, their rules and subjects, and
// the names and labels Kubernetes gives special meaning. The shapes are kubernetes-types' own
// (what the API serves); the constants are upstream's rbacv1 and bootstrappolicy values.

import type { AggregationRule, ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject } from "kubernetes-types/rbac/v1";

export type { AggregationRule, ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject };

export const RBAC_GROUP = "rbac.authorization.k8s.io";
export const RBAC_API_VERSION = `${RBAC_GROUP}/v1`;

/** The wildcard of verbs, apiGroups, resources and nonResourceURLs (rbacv1.VerbAll & co). */
export const ALL = "*";

export type SubjectKind = "User" | "Group" | "ServiceAccount";
export const SUBJECT_KINDS: readonly SubjectKind[] = ["ServiceAccount", "User", "Group"];

/** Either binding: a ClusterRoleBinding has no namespace, a RoleBinding has one. */
export type Binding = RoleBinding | ClusterRoleBinding;

/** Set on the objects of the default policy (bootstrap-policy.ts). */
export const BOOTSTRAP_LABEL = "kubernetes.io/bootstrapping";
export const BOOTSTRAP_LABEL_VALUE = "rbac-defaults";
/** "false" stops the default policy from being reconciled into an object. */
export const AUTOUPDATE_ANNOTATION = "rbac.authorization.kubernetes.io/autoupdate";

/** `system:serviceaccount:<namespace>:<name>`, the user name of a service account's tokens. */
export function serviceAccountUserName(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}
