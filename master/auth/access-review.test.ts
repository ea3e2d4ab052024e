import { test } from "node:test";
import assert from "node:assert/strict";
import type { Authorizer } from "./access";
import { decideReview, questionAttributes, subjectUser } from "./access-review";
import { ALLOW, deny, type RequestAttributes } from "./attributes";

const alice = { name: "alice", groups: ["system:authenticated"] };
const resource = { namespace: "web", verb: "get", group: "apps", version: "v1", resource: "deployments", subresource: "scale", name: "api" };

test("a question becomes the attributes a real request would carry", () => {
  const a = questionAttributes({ resource }, alice);
  assert.deepEqual(
    [a.user, a.resourceRequest, a.verb, a.apiGroup, a.apiVersion, a.resource, a.subresource, a.namespace, a.name],
    [alice, true, "get", "apps", "v1", "deployments", "scale", "web", "api"],
  );
  const p = questionAttributes({ nonResource: { path: "/metrics", verb: "get" } }, alice);
  assert.deepEqual([p.resourceRequest, p.verb, p.path, p.resource], [false, "get", "/metrics", ""]);
});

test("the subject of a SubjectAccessReview is taken as named, without system:authenticated", () => {
  assert.deepEqual(subjectUser({ user: "bob", groups: ["devs"], uid: "", extra: {} }), { name: "bob", groups: ["devs"] });
  assert.deepEqual(subjectUser({ user: "bob", groups: [], uid: "u", extra: { k: ["v"] } }), { name: "bob", groups: [], uid: "u", extra: { k: ["v"] } });
});

test("the authorizer decides; its reason is kept", () => {
  const onlyGets: Authorizer = { authorize: (a: RequestAttributes) => (a.verb === "get" ? ALLOW : deny("only reads here")) };
  assert.deepEqual(decideReview(onlyGets, questionAttributes({ resource }, alice)), { allowed: true });
  assert.deepEqual(decideReview(onlyGets, questionAttributes({ resource: { ...resource, verb: "delete" } }, alice)), { allowed: false, reason: "only reads here" });
  assert.deepEqual(decideReview({ authorize: () => deny() }, questionAttributes({ resource }, alice)), { allowed: false });
});
