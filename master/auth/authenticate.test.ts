import { test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { tokenSecret } from "../../api/bootstrap/token";
import type { KubeObject } from "../../api/object";
import { Authenticator, type AuthResult, type TokenSecretSource } from "./authenticate";

function fakeTlsRequest(socket: object, headers: Record<string, string> = {}): IncomingMessage {
  return { headers, socket } as unknown as IncomingMessage;
}

function fakeSocket(subject: Record<string, unknown> | undefined, authorized = true) {
  const socket = {
    authorized,
    calls: 0,
    getPeerCertificate() {
      socket.calls++;
      return subject === undefined ? {} : { subject };
    },
  };
  return socket;
}

const noTokens: TokenSecretSource = { get: () => undefined };
/** Everything but service-account tokens is answered synchronously. */
function authSync(auth: Authenticator, req: IncomingMessage): AuthResult {
  const r = auth.authenticate(req);
  if (r instanceof Promise) assert.fail("expected a synchronous answer");
  return r;
}
const user = (r: AuthResult) => ("user" in r ? r.user : assert.fail(`expected a user, got ${r.error}`));

test("a client certificate names the user and its organizations the groups (plus system:authenticated)", () => {
  const auth = new Authenticator(new Map(), noTokens);
  assert.deepEqual(user(authSync(auth, fakeTlsRequest(fakeSocket({ CN: "admin", O: "system:masters" })))), { name: "admin", groups: ["system:masters", "system:authenticated"] });
  assert.deepEqual(user(authSync(auth, fakeTlsRequest(fakeSocket({ CN: "bob", O: ["a", "b"] })))).groups, ["a", "b", "system:authenticated"]);
  assert.deepEqual(user(authSync(auth, fakeTlsRequest(fakeSocket({ CN: "carol" })))).groups, ["system:authenticated"]);
});

test("the certificate is read once per connection, and each request gets its own User", () => {
  const auth = new Authenticator(new Map(), noTokens);
  const socket = fakeSocket({ CN: "admin", O: ["system:masters"] });
  const first = user(authSync(auth, fakeTlsRequest(socket)));
  assert.deepEqual(user(authSync(auth, fakeTlsRequest(socket))), first);
  assert.equal(socket.calls, 1);
  first.groups.push("changed");
  assert.deepEqual(user(authSync(auth, fakeTlsRequest(socket))).groups, ["system:masters", "system:authenticated"]);
});

test("no credentials is the anonymous user; bad credentials are an error, never anonymous", () => {
  const auth = new Authenticator(new Map(), noTokens);
  assert.deepEqual(user(authSync(auth, fakeTlsRequest(fakeSocket(undefined, false)))), { name: "system:anonymous", groups: ["system:unauthenticated"] });
  assert.deepEqual(user(authSync(auth, fakeTlsRequest({}))).name, "system:anonymous");
  assert.ok("error" in authSync(auth, fakeTlsRequest(fakeSocket({ CN: "admin" }, false))), "an untrusted certificate");
  assert.ok("error" in authSync(auth, fakeTlsRequest(fakeSocket({ O: "x" }))), "a certificate without CN");
  assert.ok("error" in authSync(auth, fakeTlsRequest(fakeSocket(undefined), { authorization: "Bearer nope" })), "an unknown token");
});

test("a bearer token wins over the certificate", () => {
  const auth = new Authenticator(new Map([["t0k3n", { name: "ci", groups: ["ops"] }]]), noTokens);
  const socket = fakeSocket({ CN: "admin" });
  assert.deepEqual(user(authSync(auth, fakeTlsRequest(socket, { authorization: "Bearer t0k3n" }))), { name: "ci", groups: ["ops", "system:authenticated"] });
  assert.ok("error" in authSync(auth, fakeTlsRequest(socket, { authorization: "Bearer wrong" })));
  assert.equal(socket.calls, 0);
});

test("bootstrap tokens: system:bootstrap:<id> in system:bootstrappers while valid, unexpired and meant for authentication", () => {
  let now = new Date("2026-03-01T00:00:00Z");
  const secrets = new Map<string, KubeObject>();
  const auth = new Authenticator(new Map(), { get: (name) => secrets.get(name) }, () => now);
  const bearer = (t: string) => authSync(auth, fakeTlsRequest(fakeSocket(undefined), { authorization: `Bearer ${t}` }));
  const token = { id: "abcdef", secret: "0123456789abcdef" };
  assert.ok("error" in bearer("abcdef.0123456789abcdef"), "no Secret yet");
  secrets.set("bootstrap-token-abcdef", tokenSecret({ token, ttlMs: 3600_000, now }));
  assert.deepEqual(user(bearer("abcdef.0123456789abcdef")), {
    name: "system:bootstrap:abcdef",
    groups: ["system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token", "system:authenticated"],
  });
  assert.ok("error" in bearer("abcdef.0123456789abcdee"), "wrong secret");
  now = new Date(now.getTime() + 3600_000);
  assert.ok("error" in bearer("abcdef.0123456789abcdef"), "expired");
  now = new Date("2026-03-01T00:00:00Z");
  secrets.set("bootstrap-token-abcdef", tokenSecret({ token, usages: ["signing"], now }));
  assert.ok("error" in bearer("abcdef.0123456789abcdef"), "signing-only token");
  const deleting = tokenSecret({ token, now });
  deleting.metadata.deletionTimestamp = "2026-03-01T00:00:00Z";
  secrets.set("bootstrap-token-abcdef", deleting);
  assert.ok("error" in bearer("abcdef.0123456789abcdef"), "being deleted");
});

test("a bare token (TokenReview) authenticates as the same header would; static tokens count for the API's audiences only", async () => {
  const alice = { name: "alice", groups: ["devs"] };
  const plain = new Authenticator(new Map([["s3cret", alice]]), noTokens);
  assert.deepEqual(await plain.authenticateToken("s3cret"), { user: { name: "alice", groups: ["devs", "system:authenticated"] } });
  assert.deepEqual(await plain.authenticateToken("wrong"), { error: "invalid bearer token" });
  // No API audiences (no service-account issuer): audiences are not checked, as upstream.
  assert.ok("user" in (await plain.authenticateToken("s3cret", ["vault"])));

  const withAudiences = Object.create(plain, { apiAudiences: { get: () => ["api", "other"] } }) as Authenticator;
  assert.deepEqual(await withAudiences.authenticateToken("s3cret", ["vault", "api"]), { user: { name: "alice", groups: ["devs", "system:authenticated"] }, audiences: ["api"] });
  assert.deepEqual(await withAudiences.authenticateToken("s3cret", ["vault"]), { error: "invalid bearer token" });
});
