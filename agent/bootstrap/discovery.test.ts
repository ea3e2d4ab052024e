// Discovery against a local HTTPS server that records every request: the token never leaves the
// joining host while discovery runs, whatever the server answers, and a wrong CA pin or a bad
// signature stops it.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { caCertHash } from "../../api/bootstrap/ca-hash";
import { renderClusterInfoKubeconfig } from "../../api/bootstrap/cluster-info";
import { signDetached } from "../../api/bootstrap/jws";
import { ensureClusterPki, type ClusterPki } from "../../master/pki";
import { discoverCluster } from "./discovery";

const token = { id: "abcdef", secret: "0123456789abcdef" };
let dir = "";
let pki: ClusterPki;
let other: ClusterPki;
let server: Server;
let address = "";
const seen: { url: string; authorization?: string; cert: boolean }[] = [];
/** What the server answers for cluster-info: data keys. */
let clusterInfo: Record<string, string> = {};

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "gantry-discovery-"));
  pki = await ensureClusterPki(path.join(dir, "pki"), { hostnames: [], ips: [] });
  other = await ensureClusterPki(path.join(dir, "other"), { hostnames: [], ips: [] });
  server = createServer({ cert: pki.apiserverCert, key: pki.apiserverKey, requestCert: true, rejectUnauthorized: false, ca: pki.caCert }, (req, res) => {
    seen.push({ url: req.url ?? "", authorization: req.headers.authorization, cert: Object.keys((req.socket as import("node:tls").TLSSocket).getPeerCertificate()).length > 0 });
    res.setHeader("content-type", "application/json");
    if (req.url === "/api/v1/namespaces/kube-public/configmaps/cluster-info") res.end(JSON.stringify({ kind: "ConfigMap", data: clusterInfo }));
    else res.writeHead(404).end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

async function publish(caPem: string, signWith = token): Promise<void> {
  const kubeconfig = renderClusterInfoKubeconfig(`https://${address}`, caPem);
  clusterInfo = { kubeconfig, [`jws-kubeconfig-${token.id}`]: await signDetached(kubeconfig, signWith) };
}

function assertNothingSecretSent(): void {
  for (const r of seen) {
    assert.equal(r.authorization, undefined, `request ${r.url} carried an Authorization header`);
    assert.equal(r.cert, false, `request ${r.url} carried a client certificate`);
  }
}

test("a signed cluster-info with the pinned CA is trusted, and read twice (unverified, then verified)", async () => {
  seen.length = 0;
  await publish(pki.caCert);
  const found = await discoverCluster({ address, token, caHashes: [caCertHash(pki.caCert)], timeoutMs: 5_000 });
  assert.deepEqual(found, { server: `https://${address}`, caPem: pki.caCert });
  assert.equal(seen.length, 2);
  assertNothingSecretSent();
});

test("a CA that does not match the pin stops discovery; the token was never sent", async () => {
  seen.length = 0;
  await publish(pki.caCert);
  await assert.rejects(discoverCluster({ address, token, caHashes: [caCertHash(other.caCert)], timeoutMs: 5_000 }), new RegExp(`none of the public keys "${caCertHash(pki.caCert)}" are pinned`));
  assert.equal(seen.length, 1, "no second, verified read");
  assertNothingSecretSent();
});

test("a signature made with another secret stops discovery at once", async () => {
  seen.length = 0;
  await publish(pki.caCert, { id: token.id, secret: "ffffffffffffffff" });
  const started = Date.now();
  await assert.rejects(discoverCluster({ address, token, caHashes: [caCertHash(pki.caCert)], timeoutMs: 30_000 }), /failed to verify JWS signature/);
  assert.ok(Date.now() - started < 5_000, "no retrying an untrustworthy answer");
  assertNothingSecretSent();
});

test("no signature for the token: retried, then reported as an invalid or expired token", async () => {
  seen.length = 0;
  await publish(pki.caCert);
  delete clusterInfo[`jws-kubeconfig-${token.id}`];
  await assert.rejects(discoverCluster({ address, token, caHashes: [caCertHash(pki.caCert)], timeoutMs: 1_500 }), /token id "abcdef" is invalid for this cluster or it has expired/);
  assert.ok(seen.length >= 2, "it retried");
  assertNothingSecretSent();
});
