import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, createPublicKey, generateKeyPairSync } from "node:crypto";
import { buildClaims } from "../../api/serviceaccounts/claims";
import { DEFAULT_ISSUER } from "../../api/serviceaccounts/names";
import { TokenIssuer } from "./token-issuer";

function keysOf(type: "ec" | "rsa") {
  const pair = type === "ec" ? generateKeyPairSync("ec", { namedCurve: "prime256v1" }) : generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { privateKeyPem: pair.privateKey.export({ format: "pem", type: "pkcs8" }).toString(), publicKeyPem: pair.publicKey.export({ format: "pem", type: "spki" }).toString() };
}

const T0 = Date.parse("2026-03-01T00:00:00Z");
const binding = { namespace: "web", serviceAccount: { name: "builder", uid: "sa-1" }, pod: { name: "p", uid: "pod-1" } };
const claims = (over: Partial<Parameters<typeof buildClaims>[0]> = {}) =>
  buildClaims({ issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER], binding, now: T0 / 1000, expirationSeconds: 3600, jti: "id-1", ...over });
const at = (ms: number) => new Date(T0 + ms);

function header(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[0], "base64url").toString()) as Record<string, unknown>;
}

test("a signed token verifies and carries upstream's claims; ES256 with the key's SHA-256 as kid", async () => {
  const keys = keysOf("ec");
  const issuer = await TokenIssuer.create(keys, { issuer: DEFAULT_ISSUER, apiAudiences: [DEFAULT_ISSUER] });
  const jwt = await issuer.sign(claims());
  const kid = createHash("sha256").update(createPublicKey(keys.publicKeyPem).export({ format: "der", type: "spki" })).digest("base64url");
  assert.deepEqual(header(jwt), { alg: "ES256", kid, typ: "JWT" });
  const v = await issuer.verify(jwt, at(1000));
  assert.ok("payload" in v, JSON.stringify(v));
  assert.equal(v.payload.sub, "system:serviceaccount:web:builder");
  assert.deepEqual(v.payload.aud, [DEFAULT_ISSUER]);
  assert.equal(v.payload.exp, T0 / 1000 + 3600);
  assert.equal(v.payload.nbf, T0 / 1000);
  assert.deepEqual(v.payload["kubernetes.io"], { namespace: "web", serviceaccount: { name: "builder", uid: "sa-1" }, pod: { name: "p", uid: "pod-1" } });
});

test("an RSA key signs RS256", async () => {
  const issuer = await TokenIssuer.create(keysOf("rsa"), { issuer: DEFAULT_ISSUER, apiAudiences: [DEFAULT_ISSUER] });
  const jwt = await issuer.sign(claims());
  assert.equal(header(jwt).alg, "RS256");
  assert.ok("payload" in (await issuer.verify(jwt, at(0))));
});

test("expired, not yet valid, wrong audience and bad signatures are refused with upstream's words", async () => {
  const keys = keysOf("ec");
  const issuer = await TokenIssuer.create(keys, { issuer: DEFAULT_ISSUER, apiAudiences: [DEFAULT_ISSUER] });
  const jwt = await issuer.sign(claims());
  // 60 s of leeway for clocks that differ between masters, as upstream
  assert.ok("payload" in (await issuer.verify(jwt, at(3600_000 + 30_000))));
  assert.deepEqual(await issuer.verify(jwt, at(3600_000 + 61_000)), { error: "service account token has expired" });
  assert.deepEqual(await issuer.verify(jwt, at(-61_000)), { error: "service account token is not valid yet" });

  const vault = await issuer.sign(claims({ audiences: ["vault"] }));
  const v = await issuer.verify(vault, at(0));
  assert.ok("error" in v && /token audiences \["vault"\] is invalid for the target audiences/.test(v.error), JSON.stringify(v));

  const [h, p, s] = jwt.split(".");
  const forged = Buffer.from(p, "base64url").toString().replace("builder", "admin00");
  assert.deepEqual(await issuer.verify(`${h}.${Buffer.from(forged).toString("base64url")}.${s}`, at(0)), { error: "service account token signature is invalid" });

  const stranger = await TokenIssuer.create(keysOf("ec"), { issuer: DEFAULT_ISSUER, apiAudiences: [DEFAULT_ISSUER] });
  assert.deepEqual(await stranger.verify(jwt, at(0)), { error: "service account token signature is invalid" }, "another cluster's key");
});

test("a JWT of another issuer, or no JWT at all, is not ours", async () => {
  const issuer = await TokenIssuer.create(keysOf("ec"), { issuer: DEFAULT_ISSUER, apiAudiences: [DEFAULT_ISSUER] });
  const other = await issuer.sign(claims({ issuer: "https://oidc.example" }));
  assert.deepEqual(await issuer.verify(other, at(0)), { notOurs: true });
  assert.deepEqual(await issuer.verify("a.b.c", at(0)), { notOurs: true });
});
