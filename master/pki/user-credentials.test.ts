import { test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { createCa } from "./certs";
import { issueUserCertificate } from "./user-credentials";

const DAY = 24 * 60 * 60 * 1000;

test("a user certificate: CN the user, one O per group, for client auth, signed by the CA, a year by default", async () => {
  const ca = await createCa("gantry-ca");
  const now = new Date();
  const issued = await issueUserCertificate(ca, { user: "alice", groups: ["devs", "ops"], now });
  const cert = new X509Certificate(issued.certPem);
  assert.ok(cert.verify(new X509Certificate(ca.certPem).publicKey));
  assert.match(cert.subject, /^O=devs\nO=ops\nCN=alice$/);
  assert.deepEqual(cert.keyUsage, ["1.3.6.1.5.5.7.3.2"]);
  assert.equal(Math.round((issued.notAfter.getTime() - now.getTime()) / DAY), 365);
  assert.ok(cert.checkPrivateKey(createPrivateKey(issued.keyPem)));
});

test("never valid beyond the CA; --expiration shortens it", async () => {
  const ca = await createCa("gantry-ca", new Date(Date.now() - 3640 * DAY)); // expires in ~10 days
  const caExpiry = new Date(new X509Certificate(ca.certPem).validTo).getTime();
  assert.equal((await issueUserCertificate(ca, { user: "alice", groups: [] })).notAfter.getTime(), caExpiry);
  const now = new Date();
  const hour = await issueUserCertificate(ca, { user: "alice", groups: [], validityMs: 3600_000, now });
  assert.equal(hour.notAfter.getTime(), now.getTime() + 3600_000);
});

test("system:masters only when asked for; a user name and a positive duration are required", async () => {
  const ca = await createCa("gantry-ca");
  await assert.rejects(issueUserCertificate(ca, { user: "bob", groups: ["system:masters"] }), /bypasses all authorization .* pass --allow-masters/);
  const admin = await issueUserCertificate(ca, { user: "bob", groups: ["system:masters"], allowMasters: true });
  assert.match(new X509Certificate(admin.certPem).subject, /O=system:masters/);
  await assert.rejects(issueUserCertificate(ca, { user: " ", groups: [] }), /--user must name the user/);
  await assert.rejects(issueUserCertificate(ca, { user: "a", groups: [], validityMs: 0 }), /--expiration must be a positive duration/);
});
