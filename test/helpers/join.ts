// Joining nodes in tests the way `gantry join` does: a bootstrap token made with the admin
// kubeconfig (`gantry token create`'s code), then the real TLS bootstrap (discovery with the CA
// pin, a CSR, the signed client certificate) into a throwaway directory. Returns the node's
// identity for registering and talking to the API as system:node:<name>.

import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { caCertHash } from "../../api/bootstrap/ca-hash";
import { formatToken, type BootstrapToken } from "../../api/bootstrap/token";
import { NodeIdentity } from "../../agent/bootstrap/node-identity";
import { tlsBootstrap } from "../../agent/bootstrap/tls-bootstrap";
import { adminClient } from "../../cli/admin-client";
import { createToken } from "../../cli/token";

/** A fresh bootstrap token (1 h) created through the API with `kubeconfig`. */
export async function createJoinToken(kubeconfig: string, ttlMs = 3600_000): Promise<{ token: BootstrapToken; text: string; caHash: string; server: string }> {
  const admin = await adminClient(kubeconfig);
  const token = await createToken(admin.api, { ttlMs, description: "test" });
  return { token, text: formatToken(token), caHash: caCertHash(admin.caPem), server: admin.server };
}

export interface JoinedNode {
  identity: NodeIdentity;
  kubeconfig: string;
  /** Removes the node's files. */
  cleanup(): Promise<void>;
}

/** TLS-bootstraps `nodeName` against the master of `adminKubeconfig`. */
export async function joinNode(adminKubeconfig: string, nodeName: string): Promise<JoinedNode> {
  const { token, caHash, server } = await createJoinToken(adminKubeconfig);
  const dir = await mkdtemp(path.join(os.tmpdir(), `gantry-join-${nodeName}-`));
  const files = { kubeconfig: path.join(dir, "agent.conf"), pkiDir: path.join(dir, "pki") };
  try {
    await tlsBootstrap({ address: new URL(server).host, token, caHashes: [caHash], nodeName, files, timeoutMs: 60_000 });
    const identity = await NodeIdentity.load(files.kubeconfig, () => {});
    return { identity, kubeconfig: files.kubeconfig, cleanup: () => rm(dir, { recursive: true, force: true }) };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

export async function readCa(dataDir: string): Promise<string> {
  return readFile(path.join(dataDir, "pki", "ca.crt"), "utf8");
}
