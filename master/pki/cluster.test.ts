import { test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { chmod, mkdtemp, readFile, rm, stat, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  APISERVER_DNS_NAMES,
  APISERVER_IPS,
  certificateFingerprint,
  ensureClusterPki,
  issueClientCert,
  issueServingCert,
} from "./cluster";

const DAY = 24 * 60 * 60 * 1000;

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "gantry-pki-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, "pki");
}

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

function days(from: string, to: string): number {
  return Math.round((new Date(to).getTime() - new Date(from).getTime()) / DAY);
}

test("first start creates the CA, apiserver and admin certificates", async (t) => {
  const dir = await tempDir(t);
  const pki = await ensureClusterPki(dir, { hostnames: ["master-1", "192.168.7.2"], ips: ["10.0.0.5", "fd00::5"] });

  for (const name of ["ca", "apiserver", "admin"]) {
    assert.equal(await mode(join(dir, `${name}.key`)), 0o600, `${name}.key mode`);
    assert.equal(await mode(join(dir, `${name}.crt`)), 0o644, `${name}.crt mode`);
  }
  assert.equal(await mode(dir), 0o700);
  assert.equal(await readFile(join(dir, "ca.crt"), "utf8"), pki.caCert);
  assert.match(pki.apiserverKey, /^-----BEGIN PRIVATE KEY-----/);

  // Checked with Node's own X.509 parser, independent of the library that wrote them.
  const ca = new X509Certificate(pki.caCert);
  assert.equal(ca.ca, true);
  assert.equal(ca.subject, "CN=gantry-ca");
  assert.equal(ca.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
  assert.equal(days(ca.validFrom, ca.validTo), 3650);

  const apiserver = new X509Certificate(pki.apiserverCert);
  assert.equal(apiserver.ca, false);
  assert.ok(apiserver.checkIssued(ca) && apiserver.verify(ca.publicKey));
  assert.deepEqual(apiserver.keyUsage, ["1.3.6.1.5.5.7.3.1"]);
  assert.equal(days(apiserver.validFrom, apiserver.validTo), 365);
  const sans = apiserver.subjectAltName?.split(", ") ?? [];
  for (const dns of [...APISERVER_DNS_NAMES, "master-1"]) assert.ok(sans.includes(`DNS:${dns}`), `SAN DNS:${dns} in ${sans}`);
  for (const ip of [...APISERVER_IPS, "10.0.0.5", "192.168.7.2"]) assert.ok(sans.includes(`IP Address:${ip}`), `SAN IP ${ip} in ${sans}`);
  assert.ok(apiserver.checkIP("fd00::5"));
  assert.ok(apiserver.checkHost("kubernetes.default.svc.cluster.local"));
  assert.equal(apiserver.checkHost("elsewhere.example"), undefined);

  const admin = new X509Certificate(pki.adminCert);
  assert.ok(admin.checkIssued(ca) && admin.verify(ca.publicKey));
  assert.equal(admin.subject, "O=system:masters\nCN=kubernetes-admin");
  assert.deepEqual(admin.keyUsage, ["1.3.6.1.5.5.7.3.2"]);
});

test("a second start reuses every file unchanged", async (t) => {
  const dir = await tempDir(t);
  const names = { hostnames: ["master-1"], ips: ["10.0.0.5"] };
  const first = await ensureClusterPki(dir, names);
  const second = await ensureClusterPki(dir, names);
  assert.equal(certificateFingerprint(second.caCert), certificateFingerprint(first.caCert));
  assert.deepEqual(second, first);
});

test("the apiserver certificate is reissued from the same CA when a new name is asked for", async (t) => {
  const dir = await tempDir(t);
  const first = await ensureClusterPki(dir, { hostnames: ["master-1"], ips: [] });
  const second = await ensureClusterPki(dir, { hostnames: ["master-1"], ips: ["10.0.0.9"] });
  assert.equal(second.caCert, first.caCert);
  assert.equal(second.adminCert, first.adminCert);
  assert.notEqual(second.apiserverCert, first.apiserverCert);
  assert.ok(new X509Certificate(second.apiserverCert).checkIP("10.0.0.9"));
  assert.equal(await readFile(join(dir, "apiserver.crt"), "utf8"), second.apiserverCert);
});

test("leaf certificates close to expiry are renewed; the CA is kept", async (t) => {
  const dir = await tempDir(t);
  const names = { hostnames: [], ips: [] };
  const first = await ensureClusterPki(dir, names);
  const later = await ensureClusterPki(dir, names, new Date(Date.now() + 340 * DAY));
  assert.equal(later.caCert, first.caCert);
  assert.notEqual(later.apiserverCert, first.apiserverCert);
  assert.notEqual(later.adminCert, first.adminCert);
});

test("a damaged leaf is replaced, a loose key mode is tightened", async (t) => {
  const dir = await tempDir(t);
  const first = await ensureClusterPki(dir, { hostnames: [], ips: [] });
  await writeFile(join(dir, "admin.crt"), "not a certificate");
  await unlink(join(dir, "apiserver.key"));
  await chmod(join(dir, "ca.key"), 0o644);
  const second = await ensureClusterPki(dir, { hostnames: [], ips: [] });
  assert.notEqual(second.adminCert, first.adminCert);
  assert.notEqual(second.apiserverCert, first.apiserverCert);
  assert.equal(await mode(join(dir, "ca.key")), 0o600);
  assert.equal(second.caCert, first.caCert);
});

test("a leaf signed by another CA is replaced", async (t) => {
  const dir = await tempDir(t);
  const other = await ensureClusterPki(await tempDir(t), { hostnames: [], ips: [] });
  const pki = await ensureClusterPki(dir, { hostnames: [], ips: [] });
  await writeFile(join(dir, "admin.crt"), other.adminCert);
  await writeFile(join(dir, "admin.key"), other.adminKey);
  const again = await ensureClusterPki(dir, { hostnames: [], ips: [] });
  assert.ok(new X509Certificate(again.adminCert).checkIssued(new X509Certificate(pki.caCert)));
});

test("an incomplete or mismatched CA stops the start with advice instead of being replaced", async (t) => {
  const dir = await tempDir(t);
  const pki = await ensureClusterPki(dir, { hostnames: [], ips: [] });
  await unlink(join(dir, "ca.key"));
  await assert.rejects(ensureClusterPki(dir, { hostnames: [], ips: [] }), /ca\.crt exists but .*ca\.key does not; restore/);

  await writeFile(join(dir, "ca.key"), pki.adminKey, { mode: 0o600 });
  await assert.rejects(ensureClusterPki(dir, { hostnames: [], ips: [] }), /ca\.key is not the key of ca\.crt/);
  assert.equal(await readFile(join(dir, "ca.crt"), "utf8"), pki.caCert);
});

test("malformed IP addresses are refused", async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(ensureClusterPki(dir, { hostnames: [], ips: ["10.0.0.300"] }), /"10\.0\.0\.300" is not an IPv4 or IPv6 address/);
});

test("issueClientCert and issueServingCert sign with the cluster CA", async (t) => {
  const pki = await ensureClusterPki(await tempDir(t), { hostnames: [], ips: [] });
  const ca = new X509Certificate(pki.caCert);

  const client = new X509Certificate((await issueClientCert(pki, "system:node:worker-1", ["system:nodes"])).certPem);
  assert.ok(client.checkIssued(ca) && client.verify(ca.publicKey));
  assert.equal(client.subject, "O=system:nodes\nCN=system:node:worker-1");
  assert.deepEqual(client.keyUsage, ["1.3.6.1.5.5.7.3.2"]);

  const serving = new X509Certificate((await issueServingCert(pki, "worker-1", { hostnames: ["worker-1"], ips: ["10.0.0.7"] })).certPem);
  assert.ok(serving.checkIssued(ca) && serving.verify(ca.publicKey));
  assert.equal(serving.subjectAltName, "DNS:worker-1, IP Address:10.0.0.7");
  assert.deepEqual(serving.keyUsage, ["1.3.6.1.5.5.7.3.1"]);
});
