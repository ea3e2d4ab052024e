// A real TLS round trip with the cluster PKI: Node's HTTPS server configured the way the
// apiserver will be, Node clients with and without certificates, and the real kubectl (Go's TLS
// stack) reading /version through a kubeconfig written by writeKubeconfig.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, request, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { apiserverTlsOptions, verifyClientCertificate, type ClientCertificateResult } from "./client-auth";
import { ensureClusterPki, issueClientCert } from "./cluster";
import { writeKubeconfig } from "./kubeconfig";
import type { CertKeyPair, ClusterPki } from "./types";

const VERSION = { major: "1", minor: "32", gitVersion: "v1.32.0" };

interface Reply {
  status: number;
  body: string;
}

/** An HTTPS server that answers /version to authenticated clients and 401 to the rest. */
async function startServer(pki: ClusterPki): Promise<{ server: Server; port: number; seen: ClientCertificateResult[] }> {
  const seen: ClientCertificateResult[] = [];
  const server = createServer(apiserverTlsOptions(pki), (req, res) => {
    const auth = verifyClientCertificate(req.socket as TLSSocket);
    seen.push(auth);
    res.setHeader("content-type", "application/json");
    if (!auth.ok) {
      res.writeHead(401).end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "Unauthorized", code: 401, message: auth.message }));
    } else if (req.url === "/version") {
      res.writeHead(200).end(JSON.stringify(VERSION));
    } else {
      res.writeHead(404).end("{}");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return { server, port: (server.address() as AddressInfo).port, seen };
}

function get(port: number, ca: string, client?: CertKeyPair): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path: "/version", ca, cert: client?.certPem, key: client?.keyPem, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

function kubectl(args: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // HOME keeps kubectl's cache out of the real one; no proxy variables reach it.
    const env = { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: home };
    execFile("kubectl", args, { env, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err !== null && typeof err.code !== "number") {
        reject(new Error(`could not run kubectl (${err.message}); it is required for this test`));
        return;
      }
      resolve({ code: err === null ? 0 : Number(err.code), stdout, stderr });
    });
  });
}

test("TLS with the cluster PKI: client certificates, and the real kubectl", { timeout: 60_000 }, async (t) => {
  const root = await mkdtemp(join(tmpdir(), "gantry-tls-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  const pki = await ensureClusterPki(join(root, "pki"), { hostnames: [], ips: [] });
  const foreign = await ensureClusterPki(join(root, "foreign"), { hostnames: [], ips: [] });
  const { server, port, seen } = await startServer(pki);
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  await t.test("the admin certificate authenticates as kubernetes-admin in system:masters", async () => {
    const reply = await get(port, pki.caCert, { certPem: pki.adminCert, keyPem: pki.adminKey });
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.body), VERSION);
    const auth = seen.at(-1);
    assert.ok(auth?.ok);
    assert.equal(auth.user, "kubernetes-admin");
    assert.deepEqual(auth.groups, ["system:masters"]);
  });

  await t.test("a certificate from issueClientCert authenticates with its CN and groups", async () => {
    const node = await issueClientCert(pki, "system:node:worker-1", ["system:nodes"]);
    assert.equal((await get(port, pki.caCert, node)).status, 200);
    const auth = seen.at(-1);
    assert.ok(auth?.ok);
    assert.equal(auth.user, "system:node:worker-1");
    assert.deepEqual(auth.groups, ["system:nodes"]);
  });

  await t.test("no certificate: the handshake succeeds but the client is not authorized", async () => {
    const reply = await get(port, pki.caCert);
    assert.equal(reply.status, 401);
    assert.deepEqual(seen.at(-1), { ok: false, reason: "NoCertificate", message: "the client presented no certificate" });
  });

  await t.test("a certificate from another CA is not trusted", async () => {
    assert.equal((await get(port, pki.caCert, { certPem: foreign.adminCert, keyPem: foreign.adminKey })).status, 401);
    const auth = seen.at(-1);
    assert.equal(auth?.ok, false);
    assert.equal(!auth.ok && auth.reason, "Untrusted");
  });

  await t.test("a serving certificate is not accepted as a client certificate", async () => {
    assert.equal((await get(port, pki.caCert, { certPem: pki.apiserverCert, keyPem: pki.apiserverKey })).status, 401);
    const auth = seen.at(-1);
    assert.equal(auth?.ok, false);
    assert.ok(!auth.ok && ["Untrusted", "NotForClientAuth"].includes(auth.reason), JSON.stringify(auth));
  });

  await t.test("a client that does not trust the cluster CA refuses the server", async () => {
    await assert.rejects(get(port, foreign.caCert, { certPem: pki.adminCert, keyPem: pki.adminKey }), /self[- ]signed|unable to verify|unknown ca|issuer/i);
  });

  await t.test("kubectl with the generated kubeconfig reads /version", async () => {
    const kubeconfig = join(root, "admin.conf");
    await writeKubeconfig(kubeconfig, {
      server: `https://127.0.0.1:${port}`,
      caPem: pki.caCert,
      clientCertPem: pki.adminCert,
      clientKeyPem: pki.adminKey,
    });
    const result = await kubectl(["--kubeconfig", kubeconfig, "get", "--raw", "/version"], root);
    assert.equal(result.code, 0, `kubectl failed: ${result.stderr}`);
    assert.deepEqual(JSON.parse(result.stdout), VERSION);
    const auth = seen.at(-1);
    assert.ok(auth?.ok, "kubectl's request was authenticated by its client certificate");
    assert.equal(auth.user, "kubernetes-admin");
  });

  await t.test("kubectl with a certificate from another CA is unauthorized", async () => {
    const kubeconfig = join(root, "foreign.conf");
    await writeKubeconfig(kubeconfig, {
      server: `https://127.0.0.1:${port}`,
      caPem: pki.caCert,
      clientCertPem: foreign.adminCert,
      clientKeyPem: foreign.adminKey,
    });
    const result = await kubectl(["--kubeconfig", kubeconfig, "get", "--raw", "/version"], root);
    assert.notEqual(result.code, 0);
    // kubectl's wording for a 401 answer.
    assert.match(result.stderr, /You must be logged in to the server/);
  });
});
