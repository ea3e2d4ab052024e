import assert from "node:assert/strict";
import { test } from "node:test";
import { newAesGcmKey, type EncryptionConfig } from "./encryption-config";
import { withNewWriteKey, withoutOldKeys } from "./key-rotation";
import { StorageEncryption } from "./storage-encryption";

const KEY = "/registry/secrets/default/db";
const PLAIN = Buffer.from(JSON.stringify({ kind: "Secret", data: { password: Buffer.from("hunter2-plaintext").toString("base64") } }));

const config = (providers: EncryptionConfig["resources"][0]["providers"]): EncryptionConfig => ({ resources: [{ resources: ["secrets"], providers }] });
const key1 = newAesGcmKey("key1");

test("a Secret is stored as k8s:enc:aesgcm:v1:<key>: and ciphertext, and reads back", () => {
  const e = new StorageEncryption(config([{ type: "aesgcm", keys: [key1] }, { type: "identity" }]));
  const stored = e.toStorage(KEY, PLAIN);
  assert.equal(stored.subarray(0, 23).toString("latin1"), "k8s:enc:aesgcm:v1:key1:");
  assert.ok(!stored.includes("hunter2") && !stored.includes(Buffer.from("hunter2-plaintext").toString("base64")) && !stored.includes("Secret"));
  assert.notDeepEqual(e.toStorage(KEY, PLAIN), stored, "a fresh nonce per write");
  assert.deepEqual(e.fromStorage(KEY, stored), PLAIN);
});

test("values of resources the config does not name, and other keys, pass through", () => {
  const e = new StorageEncryption(config([{ type: "aesgcm", keys: [key1] }]));
  for (const k of ["/registry/configmaps/default/c", "/registry/secretsx/default/c", "/gantry/compaction"]) {
    assert.deepEqual(e.toStorage(k, PLAIN), PLAIN);
    assert.deepEqual(e.fromStorage(k, PLAIN), PLAIN);
  }
});

test("plaintext from before encryption is read through identity, and refused without it", () => {
  assert.deepEqual(new StorageEncryption(config([{ type: "aesgcm", keys: [key1] }, { type: "identity" }])).fromStorage(KEY, PLAIN), PLAIN);
  assert.throws(() => new StorageEncryption(config([{ type: "aesgcm", keys: [key1] }])).fromStorage(KEY, PLAIN), /it is not encrypted, and the encryption config of secrets has no identity provider/);
});

test("identity first writes plaintext but still reads what a listed aesgcm key wrote", () => {
  const stored = new StorageEncryption(config([{ type: "aesgcm", keys: [key1] }])).toStorage(KEY, PLAIN);
  const e = new StorageEncryption(config([{ type: "identity" }, { type: "aesgcm", keys: [key1] }]));
  assert.deepEqual(e.toStorage(KEY, PLAIN), PLAIN);
  assert.deepEqual(e.fromStorage(KEY, stored), PLAIN);
});

test("rotation: after a new key goes first, old values still read, new ones use it; pruned, the old key's values fail clearly", () => {
  const before = config([{ type: "aesgcm", keys: [key1] }, { type: "identity" }]);
  const old = new StorageEncryption(before).toStorage(KEY, PLAIN);
  const { config: rotated, key } = withNewWriteKey(before, "secrets");
  assert.equal(key.name, "key2");
  const e = new StorageEncryption(rotated);
  assert.equal(e.toStorage(KEY, PLAIN).subarray(0, 23).toString("latin1"), "k8s:enc:aesgcm:v1:key2:");
  assert.deepEqual(e.fromStorage(KEY, old), PLAIN);
  assert.deepEqual(e.writeKeys(), [{ resource: "secrets", writeKey: "key2" }]);
  const pruned = withoutOldKeys(rotated, "secrets");
  assert.deepEqual(pruned.dropped, ["key1"]);
  assert.deepEqual(pruned.config.resources[0].providers.map((p) => p.type), ["aesgcm", "identity"]);
  assert.throws(() => new StorageEncryption(pruned.config).fromStorage(KEY, old), /encrypted with aesgcm key "key1", which the encryption config no longer has/);
});

test("a value copied under another key, tampered with, or from an unknown provider is refused", () => {
  const e = new StorageEncryption(config([{ type: "aesgcm", keys: [key1] }, { type: "identity" }]));
  const stored = e.toStorage(KEY, PLAIN);
  assert.throws(() => e.fromStorage("/registry/secrets/default/other", stored), /unable to read \/registry\/secrets\/default\/other with aesgcm key "key1": cipher: message authentication failed/);
  const flipped = Buffer.from(stored);
  flipped[flipped.length - 1] ^= 1;
  assert.throws(() => e.fromStorage(KEY, flipped), /message authentication failed/);
  assert.throws(() => e.fromStorage(KEY, Buffer.from("k8s:enc:aescbc:v1:key1:xxxx")), /encrypted by a provider Gantry does not have \(k8s:enc:aescbc:v1\)/);
  const sameNameOtherSecret = new StorageEncryption(config([{ type: "aesgcm", keys: [newAesGcmKey("key1")] }]));
  assert.throws(() => sameNameOtherSecret.fromStorage(KEY, stored), /message authentication failed/);
});
