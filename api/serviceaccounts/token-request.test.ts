import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError } from "../errors";
import { readTokenRequest } from "./token-request";

const account = { namespace: "web", name: "builder" };
const policy = { apiAudiences: ["https://kubernetes.default.svc.cluster.local"] };
const request = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({ apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", metadata, spec });

function refused(body: Record<string, unknown>, code: number, message: string | RegExp, p = policy): void {
  assert.throws(
    () => readTokenRequest(body, account, p),
    (err: unknown) => err instanceof ApiError && err.code === code && (typeof message === "string" ? err.message === message : message.test(err.message)),
  );
}

test("defaults: the API's audiences and one hour", () => {
  assert.deepEqual(readTokenRequest(request({}), account, policy), { audiences: policy.apiAudiences, expirationSeconds: 3600 });
  assert.deepEqual(readTokenRequest({ spec: { audiences: [] } }, account, policy), { audiences: policy.apiAudiences, expirationSeconds: 3600 });
  assert.deepEqual(readTokenRequest(request({ audiences: ["vault"], expirationSeconds: 7200 }), account, policy), { audiences: ["vault"], expirationSeconds: 7200 });
});

test("expirationSeconds: at least 10 minutes, at most 2^32 seconds, in upstream's words", () => {
  refused(request({ expirationSeconds: 60 }), 422, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
  refused(request({ expirationSeconds: 2 ** 32 + 1 }), 422, /spec.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2\^32 seconds/);
  refused(request({ expirationSeconds: "1h" }), 422, /spec.expirationSeconds: Invalid value: "1h"/);
  assert.equal(readTokenRequest(request({ expirationSeconds: 600 }), account, policy).expirationSeconds, 600);
});

test("above the server's maximum the lifetime is shortened, with a warning", () => {
  const out = readTokenRequest(request({ expirationSeconds: 7200 }), account, { ...policy, maxExpirationSeconds: 3600 });
  assert.equal(out.expirationSeconds, 3600);
  assert.equal(out.warning, "requested expiration of 7200 seconds shortened to 3600 seconds");
});

test("metadata must name the account and its namespace when given", () => {
  refused(request({}, { name: "other" }), 422, 'TokenRequest.authentication.k8s.io "builder" is invalid: metadata.name: Invalid value: "other": must match the service account name if specified');
  refused(request({}, { namespace: "kube-system" }), 422, /metadata.namespace: Invalid value: "kube-system": must match the service account namespace if specified/);
  assert.ok(readTokenRequest(request({}, { name: "builder", namespace: "web" }), account, policy));
});

test("boundObjectRef: a v1 Pod or Secret with a name", () => {
  assert.deepEqual(readTokenRequest(request({ boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p", uid: "u1" } }), account, policy).boundObjectRef, { kind: "Pod", apiVersion: "v1", name: "p", uid: "u1" });
  assert.deepEqual(readTokenRequest(request({ boundObjectRef: { kind: "Secret", apiVersion: "v1", name: "s" } }), account, policy).boundObjectRef, { kind: "Secret", apiVersion: "v1", name: "s" });
  refused(request({ boundObjectRef: { kind: "Deployment", apiVersion: "apps/v1", name: "d" } }), 400, "cannot bind token to object of type apps/v1, Kind=Deployment");
  refused(request({ boundObjectRef: { kind: "Node", apiVersion: "v1", name: "n" } }), 400, "cannot bind token to object of type /v1, Kind=Node");
  refused(request({ boundObjectRef: { kind: "Pod", apiVersion: "v1" } }), 422, /spec.boundObjectRef.name: Required value/);
});
