import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { renderKubeconfig, writeKubeconfig } from "./kubeconfig";

const options = {
  server: "https://127.0.0.1:6443",
  caPem: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n",
  clientCertPem: "-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n",
  clientKeyPem: "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n",
};

const b64 = (s: string) => Buffer.from(s).toString("base64");

test("renderKubeconfig writes one cluster, user and context, set as current", () => {
  const config: unknown = parse(renderKubeconfig(options));
  assert.deepEqual(config, {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "gantry", cluster: { server: "https://127.0.0.1:6443", "certificate-authority-data": b64(options.caPem) } }],
    users: [
      {
        name: "kubernetes-admin",
        user: { "client-certificate-data": b64(options.clientCertPem), "client-key-data": b64(options.clientKeyPem) },
      },
    ],
    contexts: [{ name: "gantry-admin@gantry", context: { cluster: "gantry", user: "kubernetes-admin" } }],
    "current-context": "gantry-admin@gantry",
    preferences: {},
  });
});

test("renderKubeconfig keeps long base64 values on one line and honours names", () => {
  const long = "x".repeat(3000);
  const text = renderKubeconfig({ ...options, caPem: long, clusterName: "prod", user: "alice" });
  assert.ok(text.split("\n").some((line) => line.endsWith(`certificate-authority-data: ${b64(long)}`)));
  const config = parse(text) as { "current-context": string; contexts: { context: { cluster: string; user: string } }[] };
  assert.equal(config["current-context"], "gantry-admin@prod");
  assert.deepEqual(config.contexts[0]?.context, { cluster: "prod", user: "alice" });
});

test("renderKubeconfig refuses a plain-http server", () => {
  assert.throws(() => renderKubeconfig({ ...options, server: "http://127.0.0.1:6443" }), /must be an https:\/\/ URL/);
});

test("writeKubeconfig creates the directory and a 0600 file", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "gantry-kubeconfig-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, "etc", "admin.conf");
  await writeKubeconfig(path, options);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.equal(await readFile(path, "utf8"), renderKubeconfig(options));
});
