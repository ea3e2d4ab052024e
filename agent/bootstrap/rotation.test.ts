import { test } from "node:test";
import assert from "node:assert/strict";
import { webcrypto } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ensureClusterPki, signCertificate } from "../../master/pki";
import { CertificateRotation, rotationDeadline } from "./rotation";

async function certificate(notBefore: Date, notAfter: Date): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "gantry-rotation-"));
  try {
    const pki = await ensureClusterPki(path.join(dir, "pki"), { hostnames: [], ips: [] });
    const keys = await webcrypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
    return await signCertificate({ certPem: pki.caCert, keyPem: pki.caKey }, { commonName: "system:node:n", usages: ["client"], publicKey: keys.publicKey, notBefore, notAfter });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("renewal falls between 70% and 90% of the lifetime", async () => {
  const start = new Date("2026-01-01T00:00:00Z");
  const cert = await certificate(start, new Date("2026-01-11T00:00:00Z"));
  assert.equal(rotationDeadline(cert, () => 0).toISOString(), "2026-01-08T00:00:00.000Z");
  assert.equal(rotationDeadline(cert, () => 0.5).toISOString(), "2026-01-09T00:00:00.000Z");
  assert.equal(rotationDeadline(cert, () => 1).toISOString(), "2026-01-10T00:00:00.000Z");
});

test("a due certificate is renewed; a failed renewal is retried", async () => {
  const now = Date.now();
  let cert = await certificate(new Date(now - 9_000), new Date(now + 1_000)); // 90% gone already
  const fresh = await certificate(new Date(now), new Date(now + 3600_000));
  let calls = 0;
  const logs: string[] = [];
  const renewed = new Promise<void>((resolve) => {
    const rotation = new CertificateRotation({
      name: "client",
      current: () => cert,
      renew: async () => {
        calls++;
        if (calls === 1) throw new Error("master unreachable");
        cert = fresh;
        rotation.stop();
        resolve();
      },
      log: (msg) => logs.push(msg),
    });
    rotation.start();
  });
  // The rotation's timers do not hold the process open (unref); this test must.
  const keepAlive = setInterval(() => {}, 1000);
  await renewed.finally(() => clearInterval(keepAlive));
  assert.equal(calls, 2);
  assert.match(logs[0], /renewing the client certificate failed; retrying/);
  assert.equal(cert, fresh);
});
