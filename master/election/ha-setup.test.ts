import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ensureClusterPki, ensureEtcdPki, ensureServiceAccountKeys } from "../pki";
import { importClusterCa, initialClusterFor, parseInitialCluster } from "./ha-setup";

test("parseInitialCluster reads name=URL lists and refuses malformed, duplicate or plain-HTTP entries", () => {
  assert.deepEqual(parseInitialCluster("m1=https://10.0.0.1:2380, m2=https://10.0.0.2:2380,"), [
    { name: "m1", peerUrl: "https://10.0.0.1:2380" },
    { name: "m2", peerUrl: "https://10.0.0.2:2380" },
  ]);
  assert.throws(() => parseInitialCluster("m1"), /not name=https/);
  assert.throws(() => parseInitialCluster("=https://a:1"), /not name=https/);
  assert.throws(() => parseInitialCluster("m1=10.0.0.1:2380"), /not name=https/);
  assert.throws(() => parseInitialCluster("m1=https://a:1,m1=https://b:1"), /twice/);
  assert.throws(() => parseInitialCluster("m1=http://10.0.0.1:2380"), /etcd peers talk TLS; use https/);
});

test("initialClusterFor names the member MemberAdd just created (no name yet) after the joiner", () => {
  const members = [
    { ID: "1", name: "m1", peerURLs: ["https://10.0.0.1:2380"], clientURLs: ["https://10.0.0.1:2379"], isLearner: false },
    { ID: "2", name: "", peerURLs: ["https://10.0.0.2:2380"], clientURLs: [], isLearner: false },
  ];
  assert.equal(initialClusterFor(members, { name: "m2", peerUrl: "https://10.0.0.2:2380" }), "m1=https://10.0.0.1:2380,m2=https://10.0.0.2:2380");
  assert.equal(initialClusterFor(members.slice(0, 1), { name: "m2", peerUrl: "https://10.0.0.2:2380" }), "m1=https://10.0.0.1:2380,m2=https://10.0.0.2:2380");
});

test("importClusterCa copies the first master's cluster and etcd CAs, keeps identical ones, and refuses another cluster's", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "gantry-ha-ca-"));
  try {
    const first = await ensureClusterPki(path.join(dir, "m1/pki"), { hostnames: [], ips: ["10.0.0.1"] });
    const firstEtcd = await ensureEtcdPki(path.join(dir, "m1/pki"), { name: "m1", names: { hostnames: [], ips: ["10.0.0.1"] } });
    const second = path.join(dir, "m2/pki");
    assert.equal(await importClusterCa(path.join(dir, "m1/pki"), second), "copied");
    const pki2 = await ensureClusterPki(second, { hostnames: [], ips: ["10.0.0.2"] });
    const etcd2 = await ensureEtcdPki(second, { name: "m2", names: { hostnames: [], ips: ["10.0.0.2"] } });
    assert.equal(pki2.caCert, first.caCert);
    assert.equal(await readFile(path.join(second, "ca.key"), "utf8"), first.caKey);
    assert.equal(etcd2.ca.certPem, firstEtcd.ca.certPem);
    assert.equal(await readFile(path.join(second, "etcd/ca.key"), "utf8"), firstEtcd.ca.keyPem);
    assert.notEqual(pki2.apiserverCert, first.apiserverCert, "each master issues its own serving certificate");
    assert.notEqual(etcd2.peer.certPem, firstEtcd.peer.certPem, "and its own etcd member certificates");
    assert.equal(await importClusterCa(path.join(dir, "m1/pki"), second), "present");

    await ensureClusterPki(path.join(dir, "other/pki"), { hostnames: [], ips: [] });
    await ensureEtcdPki(path.join(dir, "other/pki"), { name: "x", names: { hostnames: [], ips: [] } });
    await assert.rejects(importClusterCa(path.join(dir, "other/pki"), second), /another cluster CA than this cluster's/);

    await mkdir(path.join(dir, "empty"));
    await writeFile(path.join(dir, "empty/ca.crt"), first.caCert);
    await assert.rejects(importClusterCa(path.join(dir, "empty"), path.join(dir, "m3/pki")), /the cluster CA \(.*\/ca.crt and ca.key\) must exist there/);
    // A cluster CA without the etcd CA beside it (a copy made before etcd spoke TLS).
    await writeFile(path.join(dir, "empty/ca.key"), first.caKey);
    await assert.rejects(importClusterCa(path.join(dir, "empty"), path.join(dir, "m3/pki")), /the etcd CA \(.*empty\/etcd\/ca.crt and ca.key\) must exist there/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("importClusterCa copies the service-account keys beside the CAs and refuses another pair already there", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "gantry-ha-sa-"));
  try {
    const firstDir = path.join(dir, "m1/pki");
    await ensureClusterPki(firstDir, { hostnames: [], ips: [] });
    await ensureEtcdPki(firstDir, { name: "m1", names: { hostnames: [], ips: [] } });
    const firstKeys = await ensureServiceAccountKeys(firstDir);
    const second = path.join(dir, "m2/pki");
    assert.equal(await importClusterCa(firstDir, second), "copied");
    // What master start does next: the copied pair is used, not a new one made.
    assert.deepEqual(await ensureServiceAccountKeys(second), firstKeys, "tokens one master signs verify on the other");
    assert.equal(await importClusterCa(firstDir, second), "present");

    // A data dir that made its own pair before --ca-dir was given: its tokens would not verify elsewhere.
    const third = path.join(dir, "m3/pki");
    await ensureServiceAccountKeys(third);
    await assert.rejects(importClusterCa(firstDir, third), /m3\/pki\/sa\.key is another service-account key than this cluster's/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
