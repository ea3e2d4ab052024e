import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError } from "../../api/errors";
import type { Authorizer } from "./access";
import { deny, ALLOW, type RequestAttributes } from "./attributes";
import { asksImpersonation, impersonate, readImpersonation, type ImpersonationRequest } from "./impersonation";
import type { User } from "./user";

const admin: User = { name: "admin", groups: ["system:authenticated"] };

/** Allows only the listed impersonations ("resource/name", "userextras/key/value"), recording each question. */
function allowing(...allowed: string[]): Authorizer & { asked: string[] } {
  const asked: string[] = [];
  const key = (a: RequestAttributes) => [a.apiGroup, a.resource, a.subresource, a.namespace, a.name].filter(Boolean).join("/");
  return {
    asked,
    authorize(a) {
      assert.equal(a.verb, "impersonate");
      assert.equal(a.user, admin);
      asked.push(key(a));
      return allowed.includes(key(a)) ? ALLOW : deny();
    },
  };
}

function forbidden(fn: () => unknown, message: string) {
  assert.throws(fn, (err: unknown) => err instanceof ApiError && err.code === 403 && err.message === message);
}

test("no Impersonate- headers ask nothing; several groups and extra values arrive as sent", () => {
  assert.equal(asksImpersonation({ accept: "*/*", authorization: "Bearer x" }), false);
  assert.equal(asksImpersonation({ accept: "*/*", "impersonate-extra-scopes": "a" }), true);
  assert.equal(readImpersonation({ accept: ["*/*"] }), undefined);
  assert.deepEqual(readImpersonation({ "impersonate-user": ["alice"], "impersonate-group": ["devs", "ops"], "impersonate-uid": ["u1"], "impersonate-extra-acme.com%2fproject": ["a", "b"] }), {
    user: "alice",
    groups: ["devs", "ops"],
    uid: "u1",
    extra: { "acme.com/project": ["a", "b"] },
  });
});

test("a group, uid or extra without a user is a 400", () => {
  for (const headers of [{ "impersonate-group": ["devs"] }, { "impersonate-uid": ["u1"] }, { "impersonate-extra-x": ["y"] }]) {
    assert.throws(() => readImpersonation(headers), (err: unknown) => err instanceof ApiError && err.code === 400 && /without impersonating a user/.test(err.message));
  }
});

test("each part is authorized as upstream names it; the acted-as user gets system:authenticated", () => {
  const wanted: ImpersonationRequest = { user: "alice", groups: ["devs"], uid: "u1", extra: { scopes: ["view", "edit"] } };
  const authz = allowing("users/alice", "groups/devs", "authentication.k8s.io/userextras/scopes/view", "authentication.k8s.io/userextras/scopes/edit", "authentication.k8s.io/uids/u1");
  assert.deepEqual(impersonate(admin, wanted, authz), { name: "alice", groups: ["devs", "system:authenticated"], uid: "u1", extra: { scopes: ["view", "edit"] } });
  assert.deepEqual(authz.asked, ["users/alice", "groups/devs", "authentication.k8s.io/userextras/scopes/view", "authentication.k8s.io/userextras/scopes/edit", "authentication.k8s.io/uids/u1"]);
});

test("the first refused part is upstream's 403", () => {
  forbidden(() => impersonate(admin, { user: "alice", groups: [], extra: {} }, allowing()), 'users "alice" is forbidden: User "admin" cannot impersonate resource "users" in API group "" at the cluster scope');
  forbidden(
    () => impersonate(admin, { user: "alice", groups: ["system:masters"], extra: {} }, allowing("users/alice")),
    'groups "system:masters" is forbidden: User "admin" cannot impersonate resource "groups" in API group "" at the cluster scope',
  );
  forbidden(
    () => impersonate(admin, { user: "alice", groups: [], uid: "u1", extra: {} }, allowing("users/alice")),
    'uids.authentication.k8s.io "u1" is forbidden: User "admin" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope',
  );
});

test("a service account is impersonated through serviceaccounts in its namespace, and gets its groups unless some are named", () => {
  const authz = allowing("serviceaccounts/ns/sa", "groups/g");
  assert.deepEqual(impersonate(admin, { user: "system:serviceaccount:ns:sa", groups: [], extra: {} }, authz), {
    name: "system:serviceaccount:ns:sa",
    groups: ["system:serviceaccounts", "system:serviceaccounts:ns", "system:authenticated"],
  });
  assert.deepEqual(impersonate(admin, { user: "system:serviceaccount:ns:sa", groups: ["g"], extra: {} }, authz).groups, ["g", "system:authenticated"]);
  forbidden(
    () => impersonate(admin, { user: "system:serviceaccount:other:sa", groups: [], extra: {} }, authz),
    'serviceaccounts "sa" is forbidden: User "admin" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "other"',
  );
});

test("system:anonymous stays unauthenticated; a named system:authenticated or unauthenticated group is kept as it is", () => {
  const authz: Authorizer = { authorize: () => ALLOW };
  assert.deepEqual(impersonate(admin, { user: "system:anonymous", groups: [], extra: {} }, authz).groups, ["system:unauthenticated"]);
  assert.deepEqual(impersonate(admin, { user: "x", groups: ["system:unauthenticated"], extra: {} }, authz).groups, ["system:unauthenticated"]);
  assert.deepEqual(impersonate(admin, { user: "x", groups: ["system:authenticated", "a"], extra: {} }, authz).groups, ["system:authenticated", "a"]);
});
