import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CERT_UPLOAD_TTL_MS,
  certsOwnerTokenSecret,
  certsSecret,
  decryptValue,
  encryptValue,
  generateCertificateKey,
  parseCertificateKey,
  readCertsSecret,
  type ControlPlaneMaterial,
} from "./cert-upload";
import { readTokenSecret } from "./token";

const material: ControlPlaneMaterial = {
  clusterCa: { certPem: "-----BEGIN CERTIFICATE-----\ncluster\n-----END CERTIFICATE-----\n", keyPem: "-----BEGIN PRIVATE KEY-----\ncluster-key\n-----END PRIVATE KEY-----\n" },
  etcdCa: { certPem: "-----BEGIN CERTIFICATE-----\netcd\n-----END CERTIFICATE-----\n", keyPem: "-----BEGIN PRIVATE KEY-----\netcd-key\n-----END PRIVATE KEY-----\n" },
  etcdEndpoints: ["https://10.0.0.1:2379", "https://10.0.0.2:2379"],
};

test("certificate keys: 64 hex characters, parsed to 32 bytes; anything else refused", () => {
  const key = generateCertificateKey();
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.notEqual(generateCertificateKey(), key);
  assert.equal(parseCertificateKey(key).length, 32);
  for (const bad of ["", "abc", key.slice(1), `${key}0`, key.replace(/^./, "g")]) assert.throws(() => parseCertificateKey(bad), /64 hexadecimal characters/);
});

test("the uploaded Secret round-trips under the key; nothing in it is readable without the key", () => {
  const key = parseCertificateKey(generateCertificateKey());
  const secret = certsSecret(material, key, { tokenId: "abcdef", uid: "uid-1" });
  assert.equal(secret.metadata.name, "gantry-certs");
  assert.equal(secret.metadata.namespace, "kube-system");
  assert.deepEqual(secret.metadata.ownerReferences, [{ apiVersion: "v1", kind: "Secret", name: "bootstrap-token-abcdef", uid: "uid-1", blockOwnerDeletion: true, controller: true }]);
  assert.deepEqual(Object.keys(secret.data as object).sort(), ["ca.crt", "ca.key", "etcd-ca.crt", "etcd-ca.key", "etcd-endpoints"]);
  const stored = JSON.stringify(secret);
  for (const plain of ["cluster-key", "etcd-key", "10.0.0.1", "BEGIN"]) {
    assert.ok(!stored.includes(plain) && !stored.includes(Buffer.from(plain).toString("base64")), `"${plain}" is not in the Secret`);
  }
  assert.deepEqual(readCertsSecret(secret, key), material);

  const withSa = { ...material, serviceAccount: { keyPem: "sa-private", pubPem: "sa-public" } };
  assert.deepEqual(readCertsSecret(certsSecret(withSa, key, { tokenId: "abcdef", uid: "u" }), key), withSa);

  const withEncryption = { ...material, encryptionConfig: "kind: EncryptionConfiguration\n" };
  const sealed = certsSecret(withEncryption, key, { tokenId: "abcdef", uid: "u" });
  assert.ok(!Buffer.from((sealed.data as Record<string, string>)["encryption-config.yaml"], "base64").toString().includes("EncryptionConfiguration"));
  assert.deepEqual(readCertsSecret(sealed, key), withEncryption);
});

test("a wrong key, a tampered value, or a value under another name is refused", () => {
  const key = parseCertificateKey(generateCertificateKey());
  const secret = certsSecret(material, key, { tokenId: "abcdef", uid: "uid-1" });
  assert.throws(() => readCertsSecret(secret, parseCertificateKey(generateCertificateKey())), /cannot decrypt "ca.crt" of kube-system\/gantry-certs: the certificate key is wrong/);
  const data = secret.data as Record<string, string>;
  const raw = Buffer.from(data["ca.key"], "base64");
  raw[raw.length - 20] ^= 1;
  assert.throws(() => readCertsSecret({ ...secret, data: { ...data, "ca.key": raw.toString("base64") } }, key), /cannot decrypt "ca.key"/);
  // The etcd CA's key stored as the cluster CA's: the name is authenticated.
  assert.throws(() => readCertsSecret({ ...secret, data: { ...data, "ca.key": data["etcd-ca.key"] } }, key), /cannot decrypt "ca.key"/);
  assert.throws(() => readCertsSecret({ ...secret, data: { ...data, "ca.key": undefined } as unknown as Record<string, string> }, key), /has no "ca.key"/);
  assert.equal(decryptValue(key, "x", encryptValue(key, "x", "hello")), "hello");
  assert.notDeepEqual(encryptValue(key, "x", "hello"), encryptValue(key, "x", "hello"), "a fresh nonce each time");
});

test("the owner token expires after 2 hours and can neither authenticate nor sign", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  const record = readTokenSecret(certsOwnerTokenSecret({ id: "abcdef", secret: "0123456789abcdef" }, now));
  assert.ok(!("invalid" in record));
  assert.equal(record.expiration?.getTime(), now.getTime() + CERT_UPLOAD_TTL_MS);
  assert.equal(CERT_UPLOAD_TTL_MS, 2 * 3600 * 1000);
  assert.deepEqual(record.usages, []);
  assert.deepEqual(record.groups, []);
});
