import assert from "node:assert/strict";
import { test } from "node:test";
import { formatEncryptionConfig, initialEncryptionConfig, parseEncryptionConfig } from "./encryption-config";
import { withNewWriteKey, withoutOldKeys } from "./key-rotation";

const SECRET32 = Buffer.alloc(32, 7).toString("base64");
const file = (providers: string, resources = "[secrets]") =>
  `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: ${resources}\n    providers:\n${providers}`;

test("the initial config round-trips: one aesgcm key for secrets, then identity", () => {
  const initial = initialEncryptionConfig();
  const parsed = parseEncryptionConfig(formatEncryptionConfig(initial), "f");
  assert.deepEqual(parsed, initial);
  const p = parsed.resources[0].providers[0];
  assert.ok(p.type === "aesgcm" && p.keys[0].name === "key1" && p.keys[0].secret.length === 32);
  assert.equal(parsed.resources[0].providers[1].type, "identity");
});

test("upstream's file form is read", () => {
  const c = parseEncryptionConfig(file(`      - aesgcm:\n          keys:\n            - name: k2\n              secret: ${SECRET32}\n      - identity: {}\n`, "[secrets, configmaps]"), "f");
  assert.deepEqual(c.resources[0].resources, ["secrets", "configmaps"]);
  assert.deepEqual(c.resources[0].providers.map((p) => p.type), ["aesgcm", "identity"]);
});

test("bad files are refused naming the file and the field", () => {
  const cases: [string, RegExp][] = [
    ["kind: Nope\n", /enc.yaml: not an EncryptionConfiguration of apiVersion apiserver.config.k8s.io\/v1/],
    [file(`      - aescbc:\n          keys: []\n`), /resources\[0\]\.providers\[0\]: the aescbc provider is not supported by Gantry; use aesgcm/],
    [file(`      - aesgcm:\n          keys:\n            - name: k\n              secret: c2hvcnQ=\n`), /resources\[0\]\.providers\[0\]\.aesgcm\.keys\[0\]\.secret must be the base64 of 16, 24 or 32 bytes \(got 5\)/],
    [file(`      - identity: {}\n`, "[pods]"), /resources\[0\]: "pods" cannot be encrypted by Gantry/],
    [file(`      - aesgcm:\n          keys:\n            - name: a\n              secret: ${SECRET32}\n            - name: a\n              secret: ${SECRET32}\n`), /keys\[1\]\.name "a" is used twice/],
    [file(`      - aesgcm:\n          keys:\n            - name: "a:b"\n              secret: ${SECRET32}\n`), /keys\[0\]\.name "a:b" must be letters/],
  ];
  for (const [text, want] of cases) assert.throws(() => parseEncryptionConfig(text, "enc.yaml"), want);
});

test("a rotated and pruned config is written and read back with the same keys", () => {
  const rotated = withNewWriteKey(initialEncryptionConfig(), "secrets").config;
  assert.deepEqual(parseEncryptionConfig(formatEncryptionConfig(rotated), "f"), rotated);
  const pruned = withoutOldKeys(rotated, "secrets").config;
  assert.deepEqual(parseEncryptionConfig(formatEncryptionConfig(pruned), "f"), pruned);
});
