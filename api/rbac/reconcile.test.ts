import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultClusterRoleBindings, defaultClusterRoles, reconcileDefault } from "./bootstrap-policy";
import type { ClusterRole, ClusterRoleBinding } from "./types";

const wantedRole = defaultClusterRoles().find((r) => r.metadata?.name === "system:basic-user")!;
const wantedBinding = defaultClusterRoleBindings().find((b) => b.metadata?.name === "system:public-info-viewer")!;

test("a missing default is created", () => {
  assert.deepEqual(reconcileDefault(undefined, wantedRole), { action: "create", object: wantedRole });
});

test("a stored default that lost a rule gets it back; the admin's extra rule stays", () => {
  const extra = { verbs: ["get"], apiGroups: [""], resources: ["configmaps"] };
  const stored: ClusterRole = { ...structuredClone(wantedRole), rules: [wantedRole.rules![0], extra] };
  const result = reconcileDefault(stored, wantedRole);
  assert.equal(result?.action, "update");
  assert.deepEqual(result?.object.rules, [wantedRole.rules![0], extra, { verbs: ["create"], apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"] }]);
  assert.equal(reconcileDefault(result!.object, wantedRole), undefined, "then it is complete");
});

test("autoupdate false leaves a stored default alone; a missing annotation does not", () => {
  const stripped: ClusterRole = { ...structuredClone(wantedRole), rules: [] };
  const pinned: ClusterRole = { ...stripped, metadata: { ...stripped.metadata, annotations: { "rbac.authorization.kubernetes.io/autoupdate": "false" } } };
  assert.equal(reconcileDefault(pinned, wantedRole), undefined);
  const unannotated: ClusterRole = { ...stripped, metadata: { name: "system:basic-user" } };
  const result = reconcileDefault(unannotated, wantedRole);
  assert.equal(result?.object.metadata?.annotations?.["rbac.authorization.kubernetes.io/autoupdate"], "true");
  assert.equal(result?.object.metadata?.labels?.["kubernetes.io/bootstrapping"], "rbac-defaults");
});

test("stored labels win over the default's, and an up-to-date object needs no write", () => {
  const stored = structuredClone(wantedRole);
  stored.metadata!.labels = { ...stored.metadata!.labels, "kubernetes.io/bootstrapping": "mine" };
  assert.equal(reconcileDefault(stored, wantedRole), undefined);
  assert.equal(reconcileDefault(structuredClone(wantedRole), wantedRole), undefined);
});

test("aggregation: missing selectors are added; a default that is not aggregated loses one", () => {
  const admin = defaultClusterRoles().find((r) => r.metadata?.name === "admin")!;
  const stored: ClusterRole = { ...structuredClone(admin), aggregationRule: { clusterRoleSelectors: [{ matchLabels: { mine: "true" } }] }, rules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }] };
  const result = reconcileDefault(stored, admin);
  assert.deepEqual(result?.object.aggregationRule?.clusterRoleSelectors, [{ matchLabels: { mine: "true" } }, { matchLabels: { "rbac.authorization.k8s.io/aggregate-to-admin": "true" } }]);
  assert.deepEqual(result?.object.rules, stored.rules, "aggregated rules are the controller's, left as they are");
  const sneaky: ClusterRole = { ...structuredClone(wantedRole), aggregationRule: { clusterRoleSelectors: [{}] } };
  assert.equal(reconcileDefault(sneaky, wantedRole)?.object.aggregationRule, undefined);
});

test("bindings: missing subjects are added, extra ones kept; a changed roleRef is recreated", () => {
  const stored: ClusterRoleBinding = { ...structuredClone(wantedBinding), subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "ops" }, wantedBinding.subjects![1]] };
  const result = reconcileDefault(stored, wantedBinding);
  assert.equal(result?.action, "update");
  assert.deepEqual(result?.object.subjects?.map((s) => s.name), ["ops", "system:unauthenticated", "system:authenticated"]);
  const moved: ClusterRoleBinding = { ...structuredClone(wantedBinding), roleRef: { ...wantedBinding.roleRef, name: "view" } };
  assert.deepEqual(reconcileDefault(moved, wantedBinding), { action: "recreate", object: wantedBinding });
  const pinned: ClusterRoleBinding = { ...moved, metadata: { name: moved.metadata!.name, annotations: { "rbac.authorization.kubernetes.io/autoupdate": "false" } } };
  assert.equal(reconcileDefault(pinned, wantedBinding), undefined);
});
