import assert from "node:assert/strict";
import { test } from "node:test";
import { checkBindingWrite, checkRoleWrite, type Writer } from "./escalation";
import type { ClusterRole, PolicyRule, Role } from "./types";

const readPods: PolicyRule = { verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] };
const readSecrets: PolicyRule = { verbs: ["get"], apiGroups: [""], resources: ["secrets"] };
const alice = (rules: PolicyRule[], groups = ["devs"]): Writer => ({ user: { name: "alice", groups }, rules });
const role = (rules: PolicyRule[]): Role => ({ metadata: { namespace: "dev", name: "reader" }, rules });
const rbac = (verbs: string[], resources: string[], resourceNames?: string[]): PolicyRule => ({ verbs, apiGroups: ["rbac.authorization.k8s.io"], resources, ...(resourceNames ? { resourceNames } : {}) });

test("a user may create a role with rules it holds, and is refused one it lacks, with upstream's message", () => {
  assert.deepEqual(checkRoleWrite(alice([readPods]), { kind: "Role", role: role([readPods]) }), { allowed: true });
  assert.deepEqual(checkRoleWrite(alice([readPods]), { kind: "Role", role: role([readPods, readSecrets]) }), {
    allowed: false,
    message: 'user "alice" (groups=["devs"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
  });
});

test("the escalate verb on roles allows any rules; on another role name or kind it does not", () => {
  const wanted = { kind: "Role" as const, role: role([readSecrets]) };
  assert.deepEqual(checkRoleWrite(alice([rbac(["escalate"], ["roles"])]), wanted), { allowed: true });
  assert.deepEqual(checkRoleWrite(alice([rbac(["escalate"], ["roles"], ["reader"])]), wanted), { allowed: true });
  assert.equal(checkRoleWrite(alice([rbac(["escalate"], ["roles"], ["other"])]), wanted).allowed, false);
  assert.equal(checkRoleWrite(alice([rbac(["escalate"], ["clusterroles"])]), wanted).allowed, false);
  assert.deepEqual(checkRoleWrite(alice([], ["system:masters"]), wanted), { allowed: true });
});

test("an update is checked on all its rules, unless it only touches ownerReferences or finalizers", () => {
  const stored = role([readPods, readSecrets]);
  assert.equal(checkRoleWrite(alice([readPods]), { kind: "Role", role: { ...stored, metadata: { ...stored.metadata, labels: { a: "b" } } }, previous: stored }).allowed, false);
  assert.deepEqual(checkRoleWrite(alice([readPods]), { kind: "Role", role: { ...stored, metadata: { ...stored.metadata, finalizers: ["x"] } }, previous: stored }), { allowed: true });
});

test("setting an aggregationRule needs full authority", () => {
  const aggregated: ClusterRole = { metadata: { name: "agg" }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: "b" } }] } };
  const refusal = checkRoleWrite(alice([readPods]), { kind: "ClusterRole", role: aggregated });
  assert.deepEqual(refusal, { allowed: false, message: "must have cluster-admin privileges to use the aggregationRule" });
  const everything = [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }, { verbs: ["*"], nonResourceURLs: ["*"] }];
  assert.deepEqual(checkRoleWrite(alice(everything), { kind: "ClusterRole", role: aggregated }), { allowed: true });
  assert.deepEqual(checkRoleWrite(alice([]), { kind: "ClusterRole", role: { ...aggregated, metadata: { name: "agg", labels: { x: "y" } } }, previous: aggregated }), { allowed: true }, "an unchanged rule with no rules to hold");
});

test("a binding needs the role's rules held, or bind on that role in the binding's namespace", () => {
  const binding = { metadata: { namespace: "dev", name: "b" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" } };
  const editRules = [readPods, readSecrets];
  assert.deepEqual(checkBindingWrite(alice([readPods, readSecrets]), { binding, roleRules: editRules }), { allowed: true });
  const refused = checkBindingWrite(alice([readPods]), { binding, roleRules: editRules });
  assert.equal(refused.allowed, false);
  assert.match(refused.allowed ? "" : refused.message, /not currently held:\n\{APIGroups:\[""\], Resources:\["secrets"\], Verbs:\["get"\]\}$/);
  assert.deepEqual(checkBindingWrite(alice([rbac(["bind"], ["clusterroles"], ["edit"])]), { binding, roleRules: editRules }), { allowed: true });
  assert.equal(checkBindingWrite(alice([rbac(["bind"], ["clusterroles"], ["admin"])]), { binding, roleRules: editRules }).allowed, false);
  assert.deepEqual(checkBindingWrite(alice([]), { binding, roleRules: { error: 'clusterrole.rbac.authorization.k8s.io "edit" not found' } }), {
    allowed: false,
    message: 'clusterrole.rbac.authorization.k8s.io "edit" not found',
  });
});
