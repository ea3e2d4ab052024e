import { test } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureServiceAccountKeys, SERVICE_ACCOUNT_KEY_FILES } from "./service-account-keys";

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "gantry-sa-keys-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, "pki");
}

const mode = async (p: string) => (await stat(p)).mode & 0o777;

test("first start makes an ECDSA P-256 pair: sa.key 0600, sa.pub 0644, the public half of the key", async (t) => {
  const dir = await tempDir(t);
  const keys = await ensureServiceAccountKeys(dir);
  assert.deepEqual([...SERVICE_ACCOUNT_KEY_FILES], ["sa.key", "sa.pub"]);
  assert.equal(await mode(join(dir, "sa.key")), 0o600);
  assert.equal(await mode(join(dir, "sa.pub")), 0o644);
  const key = createPrivateKey(await readFile(join(dir, "sa.key"), "utf8"));
  assert.equal(key.asymmetricKeyType, "ec");
  assert.equal(key.asymmetricKeyDetails?.namedCurve, "prime256v1");
  assert.match(keys.privateKeyPem, /BEGIN PRIVATE KEY/);
  assert.match(keys.publicKeyPem, /BEGIN PUBLIC KEY/);
  assert.ok(createPublicKey(key).export({ format: "der", type: "spki" }).equals(createPublicKey(keys.publicKeyPem).export({ format: "der", type: "spki" })));
});

test("later starts reuse the pair; a missing sa.pub is derived again", async (t) => {
  const dir = await tempDir(t);
  const first = await ensureServiceAccountKeys(dir);
  assert.deepEqual(await ensureServiceAccountKeys(dir), first);
  await unlink(join(dir, "sa.pub"));
  const again = await ensureServiceAccountKeys(dir);
  assert.equal(again.privateKeyPem, first.privateKeyPem);
  assert.equal(again.publicKeyPem, first.publicKeyPem);
});

test("an RSA sa.key (a kubeadm cluster's) is used as it is", async (t) => {
  const dir = await tempDir(t);
  await ensureServiceAccountKeys(dir);
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  await writeFile(join(dir, "sa.key"), rsa.privateKey.export({ format: "pem", type: "pkcs8" }));
  await unlink(join(dir, "sa.pub"));
  const keys = await ensureServiceAccountKeys(dir);
  assert.equal(createPublicKey(keys.publicKeyPem).asymmetricKeyType, "rsa");
});

test("a sa.pub without sa.key, or one that is not its public half, stops the start", async (t) => {
  const dir = await tempDir(t);
  await ensureServiceAccountKeys(dir);
  const other = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  await writeFile(join(dir, "sa.pub"), other.publicKey.export({ format: "pem", type: "spki" }));
  await assert.rejects(ensureServiceAccountKeys(dir), /sa\.pub is not the public key of .*sa\.key/);
  await unlink(join(dir, "sa.key"));
  await assert.rejects(ensureServiceAccountKeys(dir), /sa\.pub exists without .*sa\.key/);
  await writeFile(join(dir, "sa.key"), "not a key");
  await assert.rejects(ensureServiceAccountKeys(dir), /sa\.key is not a readable private key/);
});
