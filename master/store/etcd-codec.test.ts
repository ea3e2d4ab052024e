import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeContinue, decodeObject, encodeContinue, encodeObject, parseRevision, prefixEnd } from "./etcd-codec";
import { StoreError } from "./types";

test("encodeObject drops resourceVersion; decodeObject stamps the given one", () => {
  const stored = encodeObject({ kind: "Pod", metadata: { name: "p", resourceVersion: "7", labels: { a: "b" } }, spec: {} });
  assert.deepEqual(JSON.parse(stored.toString()), { kind: "Pod", metadata: { name: "p", labels: { a: "b" } }, spec: {} });
  assert.deepEqual(decodeObject("/k", stored, "42"), { kind: "Pod", metadata: { name: "p", labels: { a: "b" }, resourceVersion: "42" }, spec: {} });
});

test("decodeObject names the key of a corrupt value", () => {
  assert.throws(() => decodeObject("/registry/pods/ns/p", Buffer.from("{nope"), 1), /\/registry\/pods\/ns\/p is not valid JSON/);
  assert.throws(() => decodeObject("/k", Buffer.from("[1]"), 1), /not a JSON object/);
});

test("prefixEnd is the first key after every key with the prefix", () => {
  assert.equal(prefixEnd("/registry/pods/").toString(), "/registry/pods0");
  assert.deepEqual(prefixEnd("a\u00ff"), Buffer.from([0x61, 0xc3, 0xc0])); // UTF-8 of ÿ is c3 bf
  assert.deepEqual(prefixEnd(""), Buffer.from([0])); // etcd: no upper bound
});

test("continue tokens round-trip and are refused for another prefix or when garbled", () => {
  const token = encodeContinue(12, "/registry/pods/ns/b\u0000");
  assert.deepEqual(decodeContinue(token, "/registry/pods/"), { rev: 12, startKey: "/registry/pods/ns/b\u0000" });
  for (const [bad, prefix] of [
    [token, "/registry/secrets/"],
    ["%%%", "/registry/pods/"],
    [Buffer.from(JSON.stringify({ rev: -1, startKey: "/registry/pods/x" })).toString("base64url"), "/registry/pods/"],
  ]) {
    assert.throws(
      () => decodeContinue(bad, prefix),
      (err: unknown) => err instanceof StoreError && err.code === "InvalidContinue",
    );
  }
});

test("parseRevision accepts decimal revisions only", () => {
  assert.equal(parseRevision("15"), 15);
  assert.equal(parseRevision("0"), 0);
  for (const bad of ["", "-1", "1e3", "abc", "12345678901234567"]) assert.equal(parseRevision(bad), undefined, bad);
});
