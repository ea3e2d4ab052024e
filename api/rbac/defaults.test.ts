import assert from "node:assert/strict";
import { test } from "node:test";
import { applyDefaults } from "../defaults";

test("binding defaults: rbac apiGroup on roleRef, Users and Groups; none on ServiceAccounts; set values kept", () => {
  const out = applyDefaults("RoleBinding", {
    metadata: { name: "b", namespace: "dev" },
    roleRef: { kind: "ClusterRole", name: "view" },
    subjects: [{ kind: "User", name: "alice" }, { kind: "Group", name: "devs" }, { kind: "ServiceAccount", name: "builder", apiGroup: "" }, { kind: "User", name: "x", apiGroup: "example.com" }],
  });
  assert.deepEqual(out.roleRef, { kind: "ClusterRole", name: "view", apiGroup: "rbac.authorization.k8s.io" });
  assert.deepEqual(out.subjects, [
    { kind: "User", name: "alice", apiGroup: "rbac.authorization.k8s.io" },
    { kind: "Group", name: "devs", apiGroup: "rbac.authorization.k8s.io" },
    { kind: "ServiceAccount", name: "builder" },
    { kind: "User", name: "x", apiGroup: "example.com" },
  ]);
});
