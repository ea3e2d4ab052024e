import { test } from "node:test";
import { applyDefaults } from "../defaults";
import type { KubeObject } from "../object";
import { validateCreate, validateUpdate } from "../validation/index";
import { assertCause, assertCauses, assertValid } from "../validation/testing/assert-causes";

const meta = (namespace?: string, name = "reader") => ({ name, ...(namespace ? { namespace } : {}), uid: "u", resourceVersion: "1", creationTimestamp: "2026-01-01T00:00:00Z" });
const role = (rules: unknown[], kind = "Role"): KubeObject => ({ apiVersion: "rbac.authorization.k8s.io/v1", kind, metadata: meta(kind === "Role" ? "dev" : undefined), rules });
const binding = (kind: string, roleRef: Record<string, string>, subjects: unknown[]): KubeObject =>
  applyDefaults(kind, { apiVersion: "rbac.authorization.k8s.io/v1", kind, metadata: meta(kind === "RoleBinding" ? "dev" : undefined, "b"), roleRef, subjects });

test("rules need verbs; resource rules need apiGroups and resources", () => {
  assertValid(validateCreate("Role", role([{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }])));
  assertCauses(validateCreate("Role", role([{ verbs: [], resources: ["pods"] }])), [
    ["rules[0].verbs", "Required value: verbs must contain at least one value"],
    ["rules[0].apiGroups", "Required value: resource rules must supply at least one api group"],
  ]);
  assertCause(validateCreate("ClusterRole", role([{ verbs: ["get"], apiGroups: [""] }], "ClusterRole")), "rules[0].resources", "Required value: resource rules must supply at least one resource");
});

test("nonResourceURLs only in ClusterRoles, and never beside resources", () => {
  assertValid(validateCreate("ClusterRole", role([{ verbs: ["get"], nonResourceURLs: ["/metrics"] }], "ClusterRole")));
  assertCauses(validateCreate("Role", role([{ verbs: ["get"], nonResourceURLs: ["/metrics"] }])), [
    ["rules[0].nonResourceURLs", 'Invalid value: []string{"/metrics"}: namespaced rules cannot apply to non-resource URLs'],
  ]);
  assertCauses(validateCreate("ClusterRole", role([{ verbs: ["get"], nonResourceURLs: ["/metrics"], resources: ["pods"] }], "ClusterRole")), [
    ["rules[0].nonResourceURLs", 'Invalid value: []string{"/metrics"}: rules cannot apply to both regular resources and non-resource URLs'],
  ]);
});

test("names are path segments; an aggregationRule needs valid selectors", () => {
  assertCause(validateCreate("ClusterRole", { ...role([], "ClusterRole"), metadata: { ...meta(), name: "a/b" } }), "metadata.name", "Invalid value: \"a/b\": may not contain '/'");
  assertValid(validateCreate("ClusterRole", { ...role([], "ClusterRole"), metadata: { ...meta(), name: "system:aggregate-to-view" } }));
  assertCauses(validateCreate("ClusterRole", { ...role([], "ClusterRole"), aggregationRule: { clusterRoleSelectors: [] } }), [
    ["aggregationRule.clusterRoleSelectors", "Required value: at least one clusterRoleSelector required if aggregationRule is non-nil"],
  ]);
  assertCause(
    validateCreate("ClusterRole", { ...role([], "ClusterRole"), aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: "a", operator: "Bogus" }] }] } }),
    "aggregationRule.clusterRoleSelectors[0].matchExpressions[0].operator",
    'Invalid value: "Bogus": not a valid selector operator',
  );
});

test("roleRef: rbac group, Role or ClusterRole for RoleBindings, only ClusterRole for ClusterRoleBindings", () => {
  const view = { kind: "ClusterRole", name: "view" };
  assertValid(validateCreate("RoleBinding", binding("RoleBinding", view, [{ kind: "User", name: "alice" }])));
  assertValid(validateCreate("RoleBinding", binding("RoleBinding", { kind: "Role", name: "r" }, [])));
  assertCauses(validateCreate("ClusterRoleBinding", binding("ClusterRoleBinding", { apiGroup: "example.com", kind: "Role", name: "" }, [])), [
    ["roleRef.apiGroup", 'Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"'],
    ["roleRef.kind", 'Unsupported value: "Role": supported values: "ClusterRole"'],
    ["roleRef.name", "Required value"],
  ]);
});

test("subjects: known kinds, their apiGroups, and a namespace for ServiceAccounts of ClusterRoleBindings", () => {
  const view = { kind: "ClusterRole", name: "view" };
  assertValid(validateCreate("RoleBinding", binding("RoleBinding", view, [{ kind: "ServiceAccount", name: "builder" }, { kind: "Group", name: "devs" }])));
  assertCauses(validateCreate("ClusterRoleBinding", binding("ClusterRoleBinding", view, [{ kind: "ServiceAccount", name: "Builder" }, { kind: "Robot", name: "r2" }, { kind: "User", apiGroup: "x", name: "" }])), [
    ["subjects[0].name", 'Invalid value: "Builder": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')'],
    ["subjects[0].namespace", "Required value"],
    ["subjects[1].kind", 'Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"'],
    ["subjects[2].name", "Required value"],
    ["subjects[2].apiGroup", 'Unsupported value: "x": supported values: "rbac.authorization.k8s.io"'],
  ]);
});

test("roleRef cannot change on update; subjects can", () => {
  const old = binding("RoleBinding", { kind: "ClusterRole", name: "view" }, [{ kind: "User", name: "alice" }]);
  assertValid(validateUpdate("RoleBinding", { ...old, subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "bob" }] }, old));
  const next = { ...old, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" } };
  assertCauses(validateUpdate("RoleBinding", next, old), [["roleRef", 'Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef']]);
  const cluster = binding("ClusterRoleBinding", { kind: "ClusterRole", name: "view" }, []);
  assertCause(validateUpdate("ClusterRoleBinding", { ...cluster, roleRef: { ...(cluster.roleRef as object), name: "edit" } }, cluster), "roleRef", 'Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef');
});
