import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import type { KubeObject } from "../../api/object";
import { buildClaims, type TokenBinding } from "../../api/serviceaccounts/claims";
import { DEFAULT_ISSUER } from "../../api/serviceaccounts/names";
import { ServiceAccountAuthenticator, type ServiceAccountObjects } from "./service-account-authenticator";
import { TokenIssuer } from "./token-issuer";

const T0 = Date.parse("2026-03-01T00:00:00Z");

async function setup() {
  const pair = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const keys = { privateKeyPem: pair.privateKey.export({ format: "pem", type: "pkcs8" }).toString(), publicKeyPem: pair.publicKey.export({ format: "pem", type: "spki" }).toString() };
  const issuer = await TokenIssuer.create(keys, { issuer: DEFAULT_ISSUER, apiAudiences: [DEFAULT_ISSUER] });
  const objects = new Map<string, KubeObject>();
  const lookup = (kind: string) => (ns: string, name: string) => Promise.resolve(objects.get(`${kind}/${ns}/${name}`));
  const source: ServiceAccountObjects = { serviceAccount: lookup("sa"), pod: lookup("pod"), secret: lookup("secret") };
  let now = T0;
  const auth = new ServiceAccountAuthenticator(issuer, source, () => new Date(now));
  const put = (kind: string, name: string, uid: string, extra: Partial<KubeObject["metadata"]> = {}) =>
    objects.set(`${kind}/web/${name}`, { apiVersion: "v1", kind, metadata: { name, namespace: "web", uid, ...extra } });
  const mint = (binding: TokenBinding) => issuer.sign(buildClaims({ issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER], binding, now: T0 / 1000, expirationSeconds: 3600, jti: "jti-1" }));
  return { auth, objects, put, mint, setNow: (ms: number) => (now = ms) };
}

test("a pod-bound token is the service account's user, with its groups, uid and the pod in extra", async () => {
  const { auth, put, mint } = await setup();
  put("sa", "builder", "sa-1");
  put("pod", "p", "pod-1");
  const token = await mint({ namespace: "web", serviceAccount: { name: "builder", uid: "sa-1" }, pod: { name: "p", uid: "pod-1" }, node: { name: "n1", uid: "node-1" } });
  assert.deepEqual(await auth.authenticate(token), {
    user: {
      name: "system:serviceaccount:web:builder",
      groups: ["system:serviceaccounts", "system:serviceaccounts:web", "system:authenticated"],
      uid: "sa-1",
      extra: {
        "authentication.kubernetes.io/pod-name": ["p"],
        "authentication.kubernetes.io/pod-uid": ["pod-1"],
        "authentication.kubernetes.io/node-name": ["n1"],
        "authentication.kubernetes.io/node-uid": ["node-1"],
        "authentication.kubernetes.io/credential-id": ["JTI=jti-1"],
      },
    },
    audiences: [DEFAULT_ISSUER],
  });
});

test("a TokenReview's audiences: the token must name one of them, and the answer lists those it names", async () => {
  const { auth, put, mint } = await setup();
  put("sa", "builder", "sa-1");
  const token = await mint({ namespace: "web", serviceAccount: { name: "builder", uid: "sa-1" } });
  const asked = await auth.authenticate(token, ["vault", DEFAULT_ISSUER]);
  assert.deepEqual(asked && "audiences" in asked ? asked.audiences : undefined, [DEFAULT_ISSUER]);
  assert.deepEqual(await auth.authenticate(token, ["vault"]), { error: `token audiences ["${DEFAULT_ISSUER}"] is invalid for the target audiences ["vault"]` });
});

test("the token stops working when its account or pod is gone or replaced", async () => {
  const { auth, objects, put, mint } = await setup();
  put("sa", "builder", "sa-1");
  put("pod", "p", "pod-1");
  const token = await mint({ namespace: "web", serviceAccount: { name: "builder", uid: "sa-1" }, pod: { name: "p", uid: "pod-1" } });
  assert.ok("user" in ((await auth.authenticate(token)) ?? {}));

  put("pod", "p", "pod-2");
  assert.deepEqual(await auth.authenticate(token), { error: "pod UID (pod-2) does not match claim (pod-1)" });
  objects.delete("pod/web/p");
  assert.deepEqual(await auth.authenticate(token), { error: "pod web/p has been deleted" });

  put("pod", "p", "pod-1");
  put("sa", "builder", "sa-9");
  assert.deepEqual(await auth.authenticate(token), { error: "service account UID (sa-9) does not match claim (sa-1)" });
  objects.delete("sa/web/builder");
  assert.deepEqual(await auth.authenticate(token), { error: "service account web/builder has been deleted" });
});

test("a pod being deleted keeps its tokens for a minute past its deletionTimestamp", async () => {
  const { auth, put, mint, setNow } = await setup();
  put("sa", "default", "sa-1");
  put("pod", "p", "pod-1", { deletionTimestamp: new Date(T0).toISOString() });
  const token = await mint({ namespace: "web", serviceAccount: { name: "default", uid: "sa-1" }, pod: { name: "p", uid: "pod-1" } });
  setNow(T0 + 30_000);
  assert.ok("user" in ((await auth.authenticate(token)) ?? {}));
  setNow(T0 + 61_000);
  assert.deepEqual(await auth.authenticate(token), { error: "service account token has been invalidated" });
});

test("a Secret-bound token lives as long as its Secret", async () => {
  const { auth, objects, put, mint } = await setup();
  put("sa", "default", "sa-1");
  put("secret", "s", "secret-1");
  const token = await mint({ namespace: "web", serviceAccount: { name: "default", uid: "sa-1" }, secret: { name: "s", uid: "secret-1" } });
  assert.ok("user" in ((await auth.authenticate(token)) ?? {}));
  objects.delete("secret/web/s");
  assert.deepEqual(await auth.authenticate(token), { error: "secret web/s has been deleted" });
});

test("an expired token is refused; a JWT of another issuer is left to other authenticators", async () => {
  const { auth, put, mint, setNow } = await setup();
  put("sa", "default", "sa-1");
  const token = await mint({ namespace: "web", serviceAccount: { name: "default", uid: "sa-1" } });
  setNow(T0 + 3600_000 + 61_000);
  assert.deepEqual(await auth.authenticate(token), { error: "service account token has expired" });
  assert.equal(await auth.authenticate("eyJhbGciOiJub25lIn0.eyJpc3MiOiJvdGhlciJ9.x"), undefined);
  assert.equal(ServiceAccountAuthenticator.looksLikeJwt("abcdef.0123456789abcdef"), false, "a bootstrap token");
  assert.equal(ServiceAccountAuthenticator.looksLikeJwt(token), true);
});
