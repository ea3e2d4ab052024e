import { test } from "node:test";
import assert from "node:assert/strict";
import {
  formatToken,
  generateToken,
  isExpired,
  parseToken,
  readTokenSecret,
  requireToken,
  secretMatches,
  tokenSecret,
  type TokenRecord,
} from "./token";

const now = new Date("2026-03-01T10:00:00Z");
const token = { id: "abcdef", secret: "0123456789abcdef" };

function record(x: ReturnType<typeof readTokenSecret>): TokenRecord {
  if ("invalid" in x) assert.fail(x.invalid);
  return x;
}

test("tokens are [a-z0-9]{6}.[a-z0-9]{16} and nothing else", () => {
  assert.deepEqual(parseToken("abcdef.0123456789abcdef"), token);
  for (const bad of ["ABCDEF.0123456789abcdef", "abcde.0123456789abcdef", "abcdef.0123456789abcde", "abcdef0123456789abcdef", "abcdef.0123456789abcdef ", "abcdef.0123456789abcdeF", ""]) {
    assert.equal(parseToken(bad), undefined, bad);
  }
  assert.throws(() => requireToken("nope"), /abcdef\.0123456789abcdef/);
  for (let i = 0; i < 50; i++) assert.ok(parseToken(formatToken(generateToken())));
});

test("a token Secret round-trips: id, secret, expiry, usages, groups, description", () => {
  const secret = tokenSecret({ token, ttlMs: 24 * 3600_000, description: "for node-b", now });
  assert.equal(secret.metadata.name, "bootstrap-token-abcdef");
  assert.equal(secret.metadata.namespace, "kube-system");
  assert.equal(secret.type, "bootstrap.kubernetes.io/token");
  const data = secret.data as Record<string, string>;
  assert.equal(Buffer.from(data.expiration, "base64").toString(), "2026-03-02T10:00:00Z");
  const r = record(readTokenSecret(secret));
  assert.equal(r.id, "abcdef");
  assert.equal(r.secret, "0123456789abcdef");
  assert.deepEqual(r.usages, ["authentication", "signing"]);
  assert.deepEqual(r.groups, ["system:bootstrappers:kubeadm:default-node-token"]);
  assert.equal(r.description, "for node-b");
  assert.equal(r.expiration?.toISOString(), "2026-03-02T10:00:00.000Z");
});

test("expiry: a token is expired at its expiration time, never without one", () => {
  const r = record(readTokenSecret(tokenSecret({ token, ttlMs: 60_000, now })));
  assert.equal(isExpired(r, new Date(now.getTime() + 59_999)), false);
  assert.equal(isExpired(r, new Date(now.getTime() + 60_000)), true);
  const forever = record(readTokenSecret(tokenSecret({ token, ttlMs: 0, now })));
  assert.equal(forever.expiration, undefined);
  assert.equal(isExpired(forever, new Date("2100-01-01T00:00:00Z")), false);
});

test("usages are only what the Secret says is exactly \"true\"", () => {
  const s = tokenSecret({ token, usages: ["signing"], now });
  assert.deepEqual(record(readTokenSecret(s)).usages, ["signing"]);
  (s.data as Record<string, string>)["usage-bootstrap-authentication"] = Buffer.from("yes").toString("base64");
  assert.deepEqual(record(readTokenSecret(s)).usages, ["signing"]);
});

test("malformed token Secrets are refused with a reason", () => {
  const good = tokenSecret({ token, now });
  const cases: [string, (s: Record<string, unknown>) => void, RegExp][] = [
    ["wrong type", (s) => (s.type = "Opaque"), /not of type/],
    ["name and id differ", (s) => ((s.metadata as { name: string }).name = "bootstrap-token-zzzzzz"), /does not match its name/],
    ["short secret", (s) => ((s.data as Record<string, string>)["token-secret"] = Buffer.from("short").toString("base64")), /well-formed/],
    ["bad expiration", (s) => ((s.data as Record<string, string>).expiration = Buffer.from("tomorrow").toString("base64")), /RFC 3339/],
    ["bad group", (s) => ((s.data as Record<string, string>)["auth-extra-groups"] = Buffer.from("system:masters").toString("base64")), /must match/],
  ];
  for (const [what, mutate, why] of cases) {
    const s = structuredClone(good) as unknown as Record<string, unknown>;
    mutate(s);
    const r = readTokenSecret(s as never);
    assert.ok("invalid" in r, what);
    assert.match(r.invalid, why, what);
  }
  assert.throws(() => tokenSecret({ token, groups: ["system:masters"], now }), /must match/);
  assert.throws(() => tokenSecret({ token, usages: ["everything" as never], now }), /unknown token usage/);
});

test("secrets compare in constant time and exactly", () => {
  assert.equal(secretMatches("0123456789abcdef", "0123456789abcdef"), true);
  assert.equal(secretMatches("0123456789abcdee", "0123456789abcdef"), false);
  assert.equal(secretMatches("0123", "0123456789abcdef"), false);
});
