import assert from "node:assert/strict";
import { test } from "node:test";
import { rbacAuthorize, rulesFor } from "./authorizer";
import { arrayPolicy, clusterRoleBinding, defaultPolicy, pathRequest, resourceRequest, roleBinding } from "./testing/policy";

const bindAlice = (role: string) => defaultPolicy({ roleBindings: [roleBinding("dev", "alice-" + role, "ClusterRole", role, [{ kind: "User", name: "alice" }])] });

test("view cannot read secrets, or exec into pods, but reads pods and deployments", () => {
  const policy = bindAlice("view");
  assert.equal(rbacAuthorize(resourceRequest("alice", "get", "secrets", { namespace: "dev", name: "db" }), policy).allowed, false);
  assert.equal(rbacAuthorize(resourceRequest("alice", "list", "secrets", { namespace: "dev" }), policy).allowed, false);
  assert.equal(rbacAuthorize(resourceRequest("alice", "create", "pods/exec", { namespace: "dev", name: "p" }), policy).allowed, false);
  assert.equal(rbacAuthorize(resourceRequest("alice", "list", "pods", { namespace: "dev" }), policy).allowed, true);
  assert.equal(rbacAuthorize(resourceRequest("alice", "get", "deployments/scale", { namespace: "dev", apiGroup: "apps", name: "web" }), policy).allowed, true);
  assert.equal(rbacAuthorize(resourceRequest("alice", "delete", "pods", { namespace: "dev", name: "p" }), policy).allowed, false);
});

test("edit can exec into pods, read secrets and scale deployments; not write roles", () => {
  const policy = bindAlice("edit");
  const decision = rbacAuthorize(resourceRequest("alice", "create", "pods/exec", { namespace: "dev", name: "p" }), policy);
  assert.deepEqual(decision, { allowed: true, reason: 'RBAC: allowed by RoleBinding "alice-edit/dev" of ClusterRole "edit" to User "alice"' });
  assert.ok(rbacAuthorize(resourceRequest("alice", "get", "secrets", { namespace: "dev", name: "db" }), policy).allowed);
  assert.ok(rbacAuthorize(resourceRequest("alice", "update", "deployments/scale", { namespace: "dev", apiGroup: "apps", name: "web" }), policy).allowed);
  assert.ok(!rbacAuthorize(resourceRequest("alice", "create", "roles", { namespace: "dev", apiGroup: "rbac.authorization.k8s.io" }), policy).allowed);
  assert.ok(rbacAuthorize(resourceRequest("alice", "create", "roles", { namespace: "dev", apiGroup: "rbac.authorization.k8s.io" }), bindAlice("admin")).allowed);
});

test("a RoleBinding to ClusterRole view grants only in its namespace", () => {
  const policy = bindAlice("view");
  assert.ok(rbacAuthorize(resourceRequest("alice", "get", "configmaps", { namespace: "dev", name: "c" }), policy).allowed);
  assert.ok(!rbacAuthorize(resourceRequest("alice", "get", "configmaps", { namespace: "prod", name: "c" }), policy).allowed);
  assert.ok(!rbacAuthorize(resourceRequest("alice", "list", "configmaps"), policy).allowed, "not across all namespaces");
  assert.ok(!rbacAuthorize(resourceRequest("alice", "list", "nodes"), policy).allowed);
});

test("ClusterRoleBindings are consulted first, and the reason names the binding, role and subject", () => {
  const policy = defaultPolicy({
    clusterRoleBindings: [clusterRoleBinding("devs-view", "view", [{ kind: "Group", name: "devs" }])],
    roleBindings: [roleBinding("dev", "alice-view", "ClusterRole", "view", [{ kind: "User", name: "alice" }])],
  });
  const decision = rbacAuthorize(resourceRequest("alice", "get", "pods", { namespace: "dev", name: "p", groups: ["devs"] }), policy);
  assert.equal(decision.reason, 'RBAC: allowed by ClusterRoleBinding "devs-view" of ClusterRole "view" to Group "devs"');
  const admin = rbacAuthorize(resourceRequest("root", "delete", "nodes", { name: "n", groups: ["system:masters"] }), policy);
  assert.equal(admin.reason, 'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"');
});

test("a binding in a namespace grants its ServiceAccount subjects by the binding's namespace", () => {
  const policy = defaultPolicy({ roleBindings: [roleBinding("ci", "builder", "ClusterRole", "edit", [{ kind: "ServiceAccount", name: "builder" }])] });
  const sa = { name: "system:serviceaccount:ci:builder", groups: ["system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated"] };
  const decision = rbacAuthorize({ ...resourceRequest("x", "create", "deployments", { namespace: "ci", apiGroup: "apps" }), user: sa }, policy);
  assert.deepEqual(decision, { allowed: true, reason: 'RBAC: allowed by RoleBinding "builder/ci" of ClusterRole "edit" to ServiceAccount "builder/ci"' });
});

test("a denial has no reason, unless a binding naming the user points at a missing role", () => {
  const policy = arrayPolicy({
    clusterRoleBindings: [clusterRoleBinding("gone", "no-such-role", [{ kind: "User", name: "alice" }])],
    roleBindings: [
      roleBinding("dev", "gone-too", "Role", "nope", [{ kind: "User", name: "alice" }]),
      roleBinding("dev", "not-alice", "Role", "nope", [{ kind: "User", name: "bob" }]),
    ],
  });
  assert.deepEqual(rbacAuthorize(resourceRequest("carol", "get", "pods", { namespace: "dev", name: "p" }), policy), { allowed: false, reason: "" });
  assert.deepEqual(rbacAuthorize(resourceRequest("alice", "get", "pods", { namespace: "dev", name: "p" }), policy), {
    allowed: false,
    reason: 'RBAC: [clusterrole.rbac.authorization.k8s.io "no-such-role" not found, role.rbac.authorization.k8s.io "nope" not found]',
  });
});

test("the default policy: discovery and basic-user for every authenticated user, health for everyone, metrics for system:monitoring", () => {
  const policy = defaultPolicy();
  const authenticated = ["system:authenticated"];
  assert.ok(rbacAuthorize(pathRequest("alice", "get", "/apis/apps/v1", authenticated), policy).allowed);
  assert.ok(rbacAuthorize(resourceRequest("alice", "create", "selfsubjectreviews", { apiGroup: "authentication.k8s.io" }), policy).allowed);
  assert.ok(rbacAuthorize(pathRequest("system:anonymous", "get", "/healthz", ["system:unauthenticated"]), policy).allowed);
  assert.ok(!rbacAuthorize(pathRequest("system:anonymous", "get", "/apis", ["system:unauthenticated"]), policy).allowed);
  assert.ok(!rbacAuthorize(pathRequest("alice", "get", "/metrics", authenticated), policy).allowed);
  assert.ok(rbacAuthorize(pathRequest("prometheus", "get", "/metrics", ["system:monitoring"]), policy).allowed);
  assert.ok(rbacAuthorize(pathRequest("prometheus", "get", "/readyz/etcd", ["system:monitoring"]), policy).allowed);
  assert.ok(rbacAuthorize(resourceRequest("system:kube-scheduler", "create", "pods/binding", { namespace: "dev", name: "p" }), policy).allowed);
  assert.ok(!rbacAuthorize(resourceRequest("system:kube-scheduler", "get", "secrets", { namespace: "dev", name: "s" }), policy).allowed);
});

test("rulesFor lists the user's rules in SubjectRulesReviewStatus form, with missing roles as the evaluation error", () => {
  const policy = arrayPolicy({
    clusterRoles: [
      { metadata: { name: "reader" }, rules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["p"] }, { verbs: ["get"], nonResourceURLs: ["/metrics"] }] },
    ],
    clusterRoleBindings: [clusterRoleBinding("r", "reader", [{ kind: "User", name: "alice" }])],
    roleBindings: [roleBinding("dev", "missing", "Role", "gone", [{ kind: "User", name: "alice" }])],
  });
  assert.deepEqual(rulesFor({ name: "alice", groups: [] }, "dev", policy), {
    resourceRules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["p"] }],
    nonResourceRules: [{ verbs: ["get"], nonResourceURLs: ["/metrics"] }],
    incomplete: false,
    evaluationError: 'role.rbac.authorization.k8s.io "gone" not found',
  });
  assert.deepEqual(rulesFor({ name: "bob", groups: [] }, "dev", policy), { resourceRules: [], nonResourceRules: [], incomplete: false });
});
