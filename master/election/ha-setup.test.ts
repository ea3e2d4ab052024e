import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ensureClusterPki } from "../pki";
import { importClusterCa, initialClusterFor, parseInitialCluster } from "./ha-setup";

test("parseInitialCluster reads name=URL lists and refuses malformed or duplicate entries", () => {
  assert.deepEqual(parseInitialCluster("m1=http://10.0.0.1:2380, m2=http://10.0.0.2:2380,"), [
    { name: "m1", peerUrl: "http://10.0.0.1:2380" },
    { name: "m2", peerUrl: "http://10.0.0.2:2380" },
  ]);
  assert.throws(() => parseInitialCluster("m1"), /not name=http/);
  assert.throws(() => parseInitialCluster("=http://a:1"), /not name=http/);
  assert.throws(() => parseInitialCluster("m1=10.0.0.1:2380"), /not name=http/);
  assert.throws(() => parseInitialCluster("m1=http://a:1,m1=http://b:1"), /twice/);
});

test("initialClusterFor names the member MemberAdd just created (no name yet) after the joiner", () => {
  const members = [
    { ID: "1", name: "m1", peerURLs: ["http://10.0.0.1:2380"], clientURLs: ["http://10.0.0.1:2379"], isLearner: false },
    { ID: "2", name: "", peerURLs: ["http://10.0.0.2:2380"], clientURLs: [], isLearner: false },
  ];
  assert.equal(initialClusterFor(members, { name: "m2", peerUrl: "http://10.0.0.2:2380" }), "m1=http://10.0.0.1:2380,m2=http://10.0.0.2:2380");
  assert.equal(initialClusterFor(members.slice(0, 1), { name: "m2", peerUrl: "http://10.0.0.2:2380" }), "m1=http://10.0.0.1:2380,m2=http://10.0.0.2:2380");
});

test("importClusterCa copies the first master's CA, keeps an identical one, and refuses another cluster's", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "gantry-ha-ca-"));
  try {
    const first = await ensureClusterPki(path.join(dir, "m1/pki"), { hostnames: [], ips: ["10.0.0.1"] });
    const second = path.join(dir, "m2/pki");
    assert.equal(await importClusterCa(path.join(dir, "m1/pki"), second), "copied");
    const pki2 = await ensureClusterPki(second, { hostnames: [], ips: ["10.0.0.2"] });
    assert.equal(pki2.caCert, first.caCert);
    assert.equal(await readFile(path.join(second, "ca.key"), "utf8"), first.caKey);
    assert.notEqual(pki2.apiserverCert, first.apiserverCert, "each master issues its own serving certificate");
    assert.equal(await importClusterCa(path.join(dir, "m1/pki"), second), "present");

    await ensureClusterPki(path.join(dir, "other/pki"), { hostnames: [], ips: [] });
    await assert.rejects(importClusterCa(path.join(dir, "other/pki"), second), /another CA/);

    await mkdir(path.join(dir, "empty"));
    await writeFile(path.join(dir, "empty/ca.crt"), first.caCert);
    await assert.rejects(importClusterCa(path.join(dir, "empty"), path.join(dir, "m3/pki")), /ca.crt and ca.key must both exist/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
