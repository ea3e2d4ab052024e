// The real kubectl against a real `gantry master`: the four RBAC kinds are served, defaulted,
// validated and printed as kube-apiserver does. (Authorization by them is not wired yet.)

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startKubectlSession, type KubectlSession } from "./helpers/kubectl-session";

let session: KubectlSession;

before(async () => {
  session = await startKubectlSession();
});

after(() => session?.stop());

test("kubectl create clusterrole/role/rolebinding, get with upstream's columns, and the defaults", async () => {
  const { kubectl } = session;
  assert.match(await kubectl.ok(["create", "clusterrole", "pod-reader", "--verb=get,list", "--resource=pods,deployments.apps/scale"]), /clusterrole.rbac.authorization.k8s.io\/pod-reader created/);
  assert.match(await kubectl.ok(["create", "role", "cm-editor", "-n", "default", "--verb=update", "--resource=configmaps", "--resource-name=settings"]), /role.rbac.authorization.k8s.io\/cm-editor created/);
  await kubectl.ok(["create", "rolebinding", "alice-view", "-n", "default", "--clusterrole=pod-reader", "--user=alice", "--group=devs", "--serviceaccount=ci:builder"]);
  await kubectl.ok(["create", "clusterrolebinding", "ops-readers", "--clusterrole=pod-reader", "--group=ops"]);

  const roles = await kubectl.ok(["get", "roles", "-n", "default"]);
  assert.match(roles, /^NAME\s+CREATED AT\ncm-editor\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
  const wide = await kubectl.ok(["get", "rolebindings", "-n", "default", "-o", "wide"]);
  assert.match(wide, /^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS\n/);
  assert.match(wide, /alice-view\s+ClusterRole\/pod-reader\s+\S+\s+alice\s+devs\s+ci\/builder/);
  assert.match(await kubectl.ok(["get", "clusterrolebindings"]), /ops-readers\s+ClusterRole\/pod-reader/);

  const stored = JSON.parse(await kubectl.ok(["get", "rolebinding", "alice-view", "-n", "default", "-o", "json"])) as { roleRef: unknown; subjects: unknown[] };
  assert.deepEqual(stored.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "pod-reader" });
  assert.deepEqual(stored.subjects[2], { kind: "ServiceAccount", name: "builder", namespace: "ci" });
  const role = JSON.parse(await kubectl.ok(["get", "clusterrole", "pod-reader", "-o", "json"])) as { rules: unknown[] };
  assert.deepEqual(role.rules, [
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
    { apiGroups: ["apps"], resources: ["deployments/scale"], verbs: ["get", "list"] },
  ]);
});

test("bad RBAC objects are refused with upstream's field errors, and roleRef cannot change", async () => {
  const { kubectl } = session;
  const bad = await kubectl.run(["apply", "-f", "-"], {
    stdin: `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: urls, namespace: default}
rules:
- verbs: [get]
  nonResourceURLs: [/metrics]
`,
  });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /rules\[0\]\.nonResourceURLs: Invalid value: \[\]string\{"\/metrics"\}: namespaced rules cannot apply to non-resource URLs/);

  await kubectl.ok(["create", "rolebinding", "moving", "-n", "default", "--clusterrole=view", "--user=bob"]);
  const moved = await kubectl.run(["patch", "rolebinding", "moving", "-n", "default", "--type=merge", "-p", '{"roleRef":{"name":"edit"}}']);
  assert.notEqual(moved.code, 0);
  assert.match(moved.stderr, /roleRef: Invalid value: rbac.RoleRef\{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"\}: cannot change roleRef/);
  assert.match(await kubectl.ok(["api-resources", "--api-group=rbac.authorization.k8s.io"]), /clusterrolebindings\s+rbac.authorization.k8s.io\/v1\s+false\s+ClusterRoleBinding/);
});
