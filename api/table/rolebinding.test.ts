import assert from "node:assert/strict";
import { test } from "node:test";
import { tableColumns, toTable } from "./index";
import { DAY, NOW, ago } from "./testing/clock";

const binding = {
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "RoleBinding",
  metadata: { name: "devs-edit", namespace: "dev", creationTimestamp: ago(2 * DAY) },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
  subjects: [
    { kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "alice" },
    { kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "devs" },
    { kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "bob" },
    { kind: "ServiceAccount", name: "builder", namespace: "ci" },
  ],
};

test("rolebindings and clusterrolebindings: NAME ROLE AGE, wide USERS GROUPS SERVICEACCOUNTS", () => {
  for (const kind of ["RoleBinding", "ClusterRoleBinding"]) {
    const table = toTable(kind, [{ ...binding, kind }], { now: NOW });
    assert.deepEqual(table.columnDefinitions.map((c) => [c.name, c.priority]), [["Name", 0], ["Role", 0], ["Age", 0], ["Users", 1], ["Groups", 1], ["ServiceAccounts", 1]]);
    assert.deepEqual(table.rows[0].cells, ["devs-edit", "ClusterRole/edit", "2d", "alice, bob", "devs", "ci/builder"]);
  }
  assert.match(tableColumns("ClusterRoleBinding")[4].description, /clusterRoleBinding/);
});

test("a binding without subjects prints empty wide cells", () => {
  const table = toTable("RoleBinding", [{ ...binding, subjects: undefined }], { now: NOW });
  assert.deepEqual(table.rows[0].cells.slice(3), ["", "", ""]);
});

test("roles and clusterroles print NAME and CREATED AT", () => {
  for (const kind of ["Role", "ClusterRole"]) {
    const table = toTable(kind, [{ kind, metadata: { name: "reader", creationTimestamp: "2026-01-02T03:04:05Z" }, rules: [] }], { now: NOW });
    assert.deepEqual(table.columnDefinitions.map((c) => c.name), ["Name", "Created At"]);
    assert.deepEqual(table.rows[0].cells, ["reader", "2026-01-02T03:04:05Z"]);
  }
});

test("a role without a creation time shows <unknown>, as upstream's printRole", () => {
  assert.deepEqual(toTable("ClusterRole", [{ metadata: { name: "r" } }], { now: NOW }).rows[0].cells, ["r", "<unknown>"]);
});
