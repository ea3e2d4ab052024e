import assert from "node:assert/strict";
import { test } from "node:test";
import { appliesTo, describeSubject, subjectMatches } from "./subjects";

const alice = { name: "alice", groups: ["devs", "system:authenticated"] };
const builder = { name: "system:serviceaccount:ci:builder", groups: ["system:serviceaccounts", "system:serviceaccounts:ci"] };

test("User by name, Group by membership", () => {
  assert.ok(subjectMatches(alice, { kind: "User", name: "alice" }, ""));
  assert.ok(!subjectMatches(alice, { kind: "User", name: "bob" }, ""));
  assert.ok(subjectMatches(alice, { kind: "Group", name: "devs" }, ""));
  assert.ok(!subjectMatches(alice, { kind: "Group", name: "alice" }, ""));
  assert.ok(!subjectMatches(alice, { kind: "Robot", name: "alice" }, ""));
});

test("a ServiceAccount subject's namespace defaults to the RoleBinding's; a ClusterRoleBinding needs one", () => {
  assert.ok(subjectMatches(builder, { kind: "ServiceAccount", name: "builder", namespace: "ci" }, ""));
  assert.ok(subjectMatches(builder, { kind: "ServiceAccount", name: "builder" }, "ci"));
  assert.ok(!subjectMatches(builder, { kind: "ServiceAccount", name: "builder" }, "prod"));
  assert.ok(!subjectMatches(builder, { kind: "ServiceAccount", name: "builder" }, ""));
  assert.ok(!subjectMatches(alice, { kind: "ServiceAccount", name: "alice" }, "ci"));
});

test("appliesTo finds the first matching subject; describeSubject names it as upstream", () => {
  const subjects = [{ kind: "User", name: "bob" }, { kind: "Group", name: "devs" }, { kind: "User", name: "alice" }];
  assert.deepEqual(appliesTo(alice, subjects, ""), { kind: "Group", name: "devs" });
  assert.equal(appliesTo(alice, undefined, ""), undefined);
  assert.equal(describeSubject({ kind: "Group", name: "devs" }, ""), 'Group "devs"');
  assert.equal(describeSubject({ kind: "ServiceAccount", name: "builder" }, "ci"), 'ServiceAccount "builder/ci"');
});
