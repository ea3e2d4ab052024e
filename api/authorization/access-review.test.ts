import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError } from "../errors";
import { readAccessReview, type AccessReviewKind } from "./access-review";

const pods = { namespace: "default", verb: "create", resource: "pods" };

function refused(kind: AccessReviewKind, body: Record<string, unknown>, code: number, message: string, urlNamespace?: string) {
  assert.throws(
    () => readAccessReview(kind, body, urlNamespace),
    (err: unknown) => err instanceof ApiError && err.code === code && err.message === message,
  );
}

test("a SelfSubjectAccessReview asks about resource attributes or a path, missing members being empty", () => {
  assert.deepEqual(readAccessReview("SelfSubjectAccessReview", { spec: { resourceAttributes: pods } }), {
    resource: { namespace: "default", verb: "create", group: "", version: "", resource: "pods", subresource: "", name: "" },
  });
  assert.deepEqual(readAccessReview("SelfSubjectAccessReview", { spec: { nonResourceAttributes: { path: "/metrics", verb: "get" } } }), { nonResource: { path: "/metrics", verb: "get" } });
});

test("exactly one kind of attributes, in upstream's 422 wording", () => {
  refused("SelfSubjectAccessReview", { spec: {} }, 422, 'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified');
  refused(
    "SelfSubjectAccessReview",
    { spec: { resourceAttributes: pods, nonResourceAttributes: { path: "/x", verb: "get" } } },
    422,
    'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.nonResourceAttributes: Invalid value: {"path":"/x","verb":"get"}: cannot be specified in combination with resourceAttributes',
  );
  refused("SelfSubjectAccessReview", { spec: { resourceAttributes: { verb: 3 } } }, 422, 'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes.verb: Invalid value: 3: must be a string');
  refused("SelfSubjectAccessReview", { kind: "SubjectAccessReview", spec: { resourceAttributes: pods } }, 400, "the body is a SubjectAccessReview, not a SelfSubjectAccessReview");
});

test("a SubjectAccessReview names its subject: a user or groups, uid and extra as given", () => {
  const q = readAccessReview("SubjectAccessReview", { spec: { resourceAttributes: pods, user: "alice", groups: ["devs"], uid: "u1", extra: { scopes: ["a"] } } });
  assert.deepEqual(q.subject, { user: "alice", groups: ["devs"], uid: "u1", extra: { scopes: ["a"] } });
  assert.deepEqual(readAccessReview("SubjectAccessReview", { spec: { resourceAttributes: pods, groups: ["devs"] } }).subject?.user, "");
  refused("SubjectAccessReview", { spec: { resourceAttributes: pods } }, 422, 'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified');
  refused("SubjectAccessReview", { metadata: { name: "x" }, spec: { resourceAttributes: pods, user: "a" } }, 422, 'SubjectAccessReview.authorization.k8s.io "x" is invalid: metadata: Invalid value: {"name":"x","namespace":""}: must be empty');
});

test("a LocalSubjectAccessReview stays in its URL's namespace and asks only about resources", () => {
  const q = readAccessReview("LocalSubjectAccessReview", { spec: { resourceAttributes: pods, user: "alice" } }, "default");
  assert.equal("resource" in q && q.resource.namespace, "default");
  refused("LocalSubjectAccessReview", { spec: { resourceAttributes: { ...pods, namespace: "other" }, user: "alice" } }, 422, 'LocalSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes.namespace: Invalid value: "other": must match metadata.namespace', "default");
  refused("LocalSubjectAccessReview", { metadata: { namespace: "other" }, spec: { resourceAttributes: pods, user: "alice" } }, 400, "the namespace of the provided object does not match the namespace sent on the request", "default");
  refused("LocalSubjectAccessReview", { spec: { nonResourceAttributes: { path: "/x", verb: "get" }, user: "alice" } }, 422, 'LocalSubjectAccessReview.authorization.k8s.io "" is invalid: spec.nonResourceAttributes: Invalid value: {"path":"/x","verb":"get"}: disallowed on this kind of request', "default");
});
