import { test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureClusterPki } from "./cluster";
import { ensureEtcdPki } from "./etcd";

test("etcd PKI: its own CA, member server/peer certificates, the API's etcd client certificate; reused on the next start", async (t) => {
  const root = await mkdtemp(join(tmpdir(), "gantry-etcd-pki-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  const pkiDir = join(root, "pki");
  const cluster = await ensureClusterPki(pkiDir, { hostnames: [], ips: [] });
  const etcd = await ensureEtcdPki(pkiDir, { name: "m1", names: { hostnames: ["m1.example"], ips: ["10.0.0.7"] } });

  const etcdCa = new X509Certificate(etcd.ca.certPem);
  const clusterCa = new X509Certificate(cluster.caCert);
  assert.equal(etcdCa.ca, true);
  assert.match(etcdCa.subject, /CN=etcd-ca/);
  assert.notEqual(etcdCa.fingerprint256, clusterCa.fingerprint256);

  const server = new X509Certificate(etcd.server.certPem);
  assert.ok(server.verify(etcdCa.publicKey), "signed by the etcd CA");
  assert.equal(server.verify(clusterCa.publicKey), false, "not by the cluster CA");
  assert.deepEqual(server.keyUsage?.sort(), ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
  for (const ip of ["127.0.0.1", "10.0.0.7"]) assert.ok(server.checkIP(ip), ip);
  for (const host of ["localhost", "m1", "m1.example"]) assert.ok(server.checkHost(host), host);
  assert.ok(new X509Certificate(etcd.peer.certPem).checkIP("10.0.0.7"));

  const client = new X509Certificate(etcd.apiserverClient.certPem);
  assert.match(client.subject, /CN=kube-apiserver-etcd-client/);
  assert.deepEqual(client.keyUsage, ["1.3.6.1.5.5.7.3.2"]);
  assert.ok(client.verify(etcdCa.publicKey));
  assert.equal(await readFile(join(pkiDir, "apiserver-etcd-client.crt"), "utf8"), etcd.apiserverClient.certPem);
  assert.equal((await stat(join(pkiDir, "etcd", "ca.key"))).mode & 0o777, 0o600);

  const again = await ensureEtcdPki(pkiDir, { name: "m1", names: { hostnames: ["m1.example"], ips: ["10.0.0.7"] } });
  assert.equal(again.ca.certPem, etcd.ca.certPem);
  assert.equal(again.server.certPem, etcd.server.certPem, "nothing reissued");
  const moved = await ensureEtcdPki(pkiDir, { name: "m1", names: { hostnames: [], ips: ["10.0.0.8"] } });
  assert.equal(moved.ca.certPem, etcd.ca.certPem, "the CA stays");
  assert.ok(new X509Certificate(moved.server.certPem).checkIP("10.0.0.8"), "a new address reissues the server certificate");
});
