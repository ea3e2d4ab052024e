import { test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { Authenticator } from "./auth";

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

test("a client certificate names the user and its organizations the groups", () => {
  const auth = new Authenticator(new Map());
  assert.deepEqual(auth.authenticate(fakeTlsRequest(fakeSocket({ CN: "admin", O: "system:masters" }))), { name: "admin", groups: ["system:masters"] });
  assert.deepEqual(auth.authenticate(fakeTlsRequest(fakeSocket({ CN: "bob", O: ["a", "b"] }))), { name: "bob", groups: ["a", "b"] });
  assert.deepEqual(auth.authenticate(fakeTlsRequest(fakeSocket({ CN: "carol" }))), { name: "carol", groups: [] });
});

test("the certificate is read once per connection, and each request gets its own User", () => {
  const auth = new Authenticator(new Map());
  const socket = fakeSocket({ CN: "admin", O: ["system:masters"] });
  const first = auth.authenticate(fakeTlsRequest(socket));
  const second = auth.authenticate(fakeTlsRequest(socket));
  assert.equal(socket.calls, 1);
  assert.deepEqual(second, first);
  first!.groups.push("changed");
  assert.deepEqual(auth.authenticate(fakeTlsRequest(socket))!.groups, ["system:masters"]);
});

test("no user without a verified certificate with a common name", () => {
  const auth = new Authenticator(new Map());
  const unverified = fakeSocket({ CN: "admin" }, false);
  assert.equal(auth.authenticate(fakeTlsRequest(unverified)), undefined);
  assert.equal(auth.authenticate(fakeTlsRequest(unverified)), undefined);
  assert.equal(unverified.calls, 0);
  const noCn = fakeSocket({ O: "x" });
  assert.equal(auth.authenticate(fakeTlsRequest(noCn)), undefined);
  assert.equal(auth.authenticate(fakeTlsRequest(noCn)), undefined);
  assert.equal(noCn.calls, 1);
  assert.equal(auth.authenticate(fakeTlsRequest({})), undefined);
});

test("a bearer token wins over the certificate", () => {
  const auth = new Authenticator(new Map([["t0k3n", { name: "agent", groups: ["system:nodes"] }]]));
  const socket = fakeSocket({ CN: "admin" });
  assert.deepEqual(auth.authenticate(fakeTlsRequest(socket, { authorization: "Bearer t0k3n" })), { name: "agent", groups: ["system:nodes"] });
  assert.equal(auth.authenticate(fakeTlsRequest(socket, { authorization: "Bearer wrong" })), undefined);
  assert.equal(socket.calls, 0);
});
