import assert from "node:assert/strict";
import { test } from "node:test";
import { RESOURCES } from "../resources";
import { validateCreate } from "../validation/index";
import type { KubeObject } from "../object";
import { defaultClusterRoleBindings, defaultClusterRoles } from "./bootstrap-policy";
import { AUTOUPDATE_ANNOTATION, BOOTSTRAP_LABEL } from "./types";

const roles = defaultClusterRoles();
const bindings = defaultClusterRoleBindings();

test("every default object is labelled rbac-defaults, annotated autoupdate, and valid", () => {
  for (const o of [...roles, ...bindings]) {
    assert.equal(o.metadata?.labels?.[BOOTSTRAP_LABEL], "rbac-defaults", o.metadata?.name);
    assert.equal(o.metadata?.annotations?.[AUTOUPDATE_ANNOTATION], "true", o.metadata?.name);
    assert.deepEqual(validateCreate(o.kind ?? "", o as unknown as KubeObject), [], `${o.kind} ${o.metadata?.name}`);
  }
});

test("every binding points at a default role, and the expected subjects are bound", () => {
  const names = new Set(roles.map((r) => r.metadata?.name));
  for (const b of bindings) assert.ok(names.has(b.roleRef.name), b.roleRef.name);
  const subjectsOf = (name: string) => bindings.find((b) => b.metadata?.name === name)?.subjects?.map((s) => `${s.kind}:${s.name}`);
  assert.deepEqual(subjectsOf("cluster-admin"), ["Group:system:masters"]);
  assert.deepEqual(subjectsOf("system:public-info-viewer"), ["Group:system:authenticated", "Group:system:unauthenticated"]);
  assert.deepEqual(subjectsOf("system:monitoring"), ["Group:system:monitoring"]);
  assert.deepEqual(subjectsOf("system:kube-scheduler"), ["User:system:kube-scheduler"]);
  assert.deepEqual(subjectsOf("system:kube-controller-manager"), ["User:system:kube-controller-manager"]);
});

test("named resources are ones Gantry serves (or the authorization reviews), with their real subresources", () => {
  // authorization.k8s.io reviews and TokenReview/SubjectAccessReview come with the authorizer (issue 11).
  const reviews = new Set(["authorization.k8s.io/selfsubjectaccessreviews", "authorization.k8s.io/selfsubjectrulesreviews", "authorization.k8s.io/localsubjectaccessreviews", "authorization.k8s.io/subjectaccessreviews", "authentication.k8s.io/tokenreviews"]);
  for (const role of roles) {
    for (const rule of role.rules ?? []) {
      for (const group of rule.apiGroups ?? []) {
        for (const resource of rule.resources ?? []) {
          if (group === "*" || resource === "*" || group === "events.k8s.io") continue;
          const [plural, sub] = resource.split("/");
          if (reviews.has(`${group}/${plural}`)) continue;
          const served = RESOURCES.find((r) => r.group === group && r.plural === plural);
          assert.ok(served, `${role.metadata?.name}: ${group}/${resource} is not served`);
          if (sub) assert.ok(served.subresources.includes(sub), `${role.metadata?.name}: ${group}/${resource} has no such subresource`);
        }
      }
    }
  }
});
