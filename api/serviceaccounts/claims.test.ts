import { test } from "node:test";
import assert from "node:assert/strict";
import { buildClaims, readBinding } from "./claims";
import { parseServiceAccountUsername, serviceAccountGroups, serviceAccountUsername } from "./names";

const binding = { namespace: "web", serviceAccount: { name: "builder", uid: "sa-1" }, pod: { name: "p", uid: "pod-1" }, node: { name: "n1", uid: "node-1" } };

test("claims as kube-apiserver writes them, read back to the same binding", () => {
  const claims = buildClaims({ issuer: "https://kubernetes.default.svc.cluster.local", audiences: ["a"], binding, now: 1000, expirationSeconds: 600, jti: "j" });
  assert.deepEqual(claims, {
    iss: "https://kubernetes.default.svc.cluster.local",
    sub: "system:serviceaccount:web:builder",
    aud: ["a"],
    exp: 1600,
    iat: 1000,
    nbf: 1000,
    jti: "j",
    "kubernetes.io": { namespace: "web", serviceaccount: { name: "builder", uid: "sa-1" }, pod: { name: "p", uid: "pod-1" }, node: { name: "n1", uid: "node-1" } },
  });
  assert.deepEqual(readBinding(claims as unknown as Record<string, unknown>), binding);
});

test("malformed private claims are refused", () => {
  const good = buildClaims({ issuer: "i", audiences: ["a"], binding, now: 0, expirationSeconds: 600, jti: "j" }) as unknown as Record<string, unknown>;
  assert.deepEqual(readBinding({ ...good, "kubernetes.io": undefined }), { invalid: "the token has no kubernetes.io claim" });
  assert.deepEqual(readBinding({ ...good, sub: "system:serviceaccount:web:admin" }), { invalid: "the token's subject does not match its service account" });
  assert.deepEqual(readBinding({ ...good, "kubernetes.io": { namespace: "web", serviceaccount: { name: "builder" } } }), { invalid: "the token names no service account" });
  const k = good["kubernetes.io"] as Record<string, unknown>;
  assert.deepEqual(readBinding({ ...good, "kubernetes.io": { ...k, pod: { name: "p" } } }), { invalid: "the token's pod claim is malformed" });
});

test("service-account user names and groups", () => {
  assert.equal(serviceAccountUsername("web", "builder"), "system:serviceaccount:web:builder");
  assert.deepEqual(serviceAccountGroups("web"), ["system:serviceaccounts", "system:serviceaccounts:web"]);
  assert.deepEqual(parseServiceAccountUsername("system:serviceaccount:web:builder"), { namespace: "web", name: "builder" });
  assert.equal(parseServiceAccountUsername("system:node:n1"), undefined);
  assert.equal(parseServiceAccountUsername("system:serviceaccount:web"), undefined);
});
