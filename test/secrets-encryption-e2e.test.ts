// Secrets encrypted at rest, end to end: Secrets created with the real kubectl are read back from
// the real etcd with etcdctl (no Gantry code in between), a Secret written before encryption was
// on stays readable, and `gantry secrets rotate-key` re-encrypts every Secret with a new key.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import { startKubectlSession, type KubectlSession } from "./helpers/kubectl-session";

const run = promisify(execFile);
const GANTRY = path.resolve(__dirname, "../cli/gantry.js");
const PASSWORD = "hunter2-plaintext-password";

/** Every stored Secret, straight from etcd: key → raw value. */
async function storedSecrets(s: KubectlSession): Promise<Map<string, Buffer>> {
  const { stdout } = await run("etcdctl", ["--endpoints", s.master.etcdEndpoint, ...s.master.etcdctlTlsArgs(), "get", "--prefix", "/registry/secrets/", "-w", "json"], { env: { ...process.env, ETCDCTL_API: "3" } });
  const kvs = (JSON.parse(stdout) as { kvs?: { key: string; value: string }[] }).kvs ?? [];
  return new Map(kvs.map((kv) => [Buffer.from(kv.key, "base64").toString(), Buffer.from(kv.value, "base64")]));
}

const prefixOf = (value: Buffer) => /^k8s:enc:[a-z]+:v1:[^:]+:/.exec(value.subarray(0, 64).toString("latin1"))?.[0] ?? "(none)";

function assertNoPlaintext(value: Buffer, key: string): void {
  for (const needle of [PASSWORD, Buffer.from(PASSWORD).toString("base64"), '"kind"', "Secret"]) assert.ok(!value.includes(needle), `${key} holds ${needle}: ${value.toString("latin1")}`);
}

async function rotate(s: KubectlSession, ...flags: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [GANTRY, "secrets", "rotate-key", "--data-dir", s.master.dataDir, "--kubeconfig", s.master.kubeconfig, ...flags], { timeout: 60_000 });
  return stdout;
}

describe("Secrets at rest", () => {
  let s: KubectlSession;

  before(async () => {
    s = await startKubectlSession();
  });
  after(() => s?.stop());

  const password = async (name: string) => Buffer.from(await s.kubectl.ok(["get", "secret", name, "-o", "jsonpath={.data.password}"]), "base64").toString();

  test("etcd holds k8s:enc:aesgcm:v1:key1: and ciphertext, kubectl reads the value", async () => {
    await s.kubectl.ok(["create", "secret", "generic", "db", `--from-literal=password=${PASSWORD}`]);
    const stored = (await storedSecrets(s)).get("/registry/secrets/default/db");
    assert.ok(stored, "the Secret is in etcd");
    assert.equal(prefixOf(stored), "k8s:enc:aesgcm:v1:key1:");
    assertNoPlaintext(stored, "db");
    assert.equal(await password("db"), PASSWORD);
  });

  test("a Secret stored in plaintext before encryption is still read", async () => {
    const legacy = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "legacy", namespace: "default", uid: "0b0e0c1a-0000-4000-8000-000000000001", creationTimestamp: "2024-01-01T00:00:00Z" },
      type: "Opaque",
      data: { password: Buffer.from(PASSWORD).toString("base64") },
    };
    await run("etcdctl", ["--endpoints", s.master.etcdEndpoint, ...s.master.etcdctlTlsArgs(), "put", "/registry/secrets/default/legacy", JSON.stringify(legacy)], { env: { ...process.env, ETCDCTL_API: "3" } });
    assert.equal(await password("legacy"), PASSWORD);
    assert.match(await s.kubectl.ok(["get", "secrets", "-o", "name"]), /secret\/legacy/);
  });

  test("rotate-key re-encrypts every Secret with a new key, --prune drops the old ones, all stay readable across a restart", async () => {
    const first = await rotate(s);
    assert.match(first, /added aesgcm key key2 to .*encryption-config\.yaml: Secrets are now written with it/);
    assert.match(first, /re-encrypted \d+ Secrets with key2/);
    assert.match(first, /kept the older keys key1 \(--prune drops them\)/);
    let stored = await storedSecrets(s);
    assert.ok(stored.size >= 2);
    for (const [key, value] of stored) {
      assert.equal(prefixOf(value), "k8s:enc:aesgcm:v1:key2:", key);
      assertNoPlaintext(value, key);
    }

    const second = await rotate(s, "--prune");
    assert.match(second, /re-encrypted \d+ Secrets with key3/);
    assert.match(second, /dropped the older keys key2, key1/);
    stored = await storedSecrets(s);
    for (const [key, value] of stored) assert.equal(prefixOf(value), "k8s:enc:aesgcm:v1:key3:", key);
    assert.equal(await password("db"), PASSWORD);
    assert.equal(await password("legacy"), PASSWORD);

    await s.master.kill("SIGTERM");
    await s.master.restart();
    assert.equal(await password("db"), PASSWORD);
    assert.equal(await password("legacy"), PASSWORD);
  });
});
