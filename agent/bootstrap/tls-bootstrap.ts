// `gantry join`'s first half for an agent host: discovery (discovery.ts) pins the cluster CA
// without sending the token; then, over TLS verified with that CA, the token asks for the node's
// client certificate (a CertificateSigningRequest for system:node:<name> in system:nodes, signer
// kube-apiserver-client-kubelet, auto-approved for bootstrap tokens); the key, certificate, CA
// and a kubeconfig naming them are written (credentials.ts). The agent then runs with that
// identity (node-identity.ts) and the token is never used again.

import { NODES_GROUP, NODE_USER_PREFIX, SIGNER_KUBELET_CLIENT } from "../../api/certificates/csr";
import type { BootstrapToken } from "../../api/bootstrap/token";
import { ApiClient } from "../api-client";
import { writeJoinCredentials, type CredentialFiles } from "./credentials";
import { requestCertificate } from "./csr-request";
import { discoverCluster } from "./discovery";
import { CLIENT_USAGES } from "./node-identity";

export interface TlsBootstrapOptions {
  /** `host:port` of a master. */
  address: string;
  token: BootstrapToken;
  caHashes: string[];
  nodeName: string;
  files: CredentialFiles;
  timeoutMs?: number;
  log?: (msg: string) => void;
}

export interface BootstrapResult {
  server: string;
  /** The CertificateSigningRequest that got the client certificate. */
  requestName: string;
}

export async function tlsBootstrap(o: TlsBootstrapOptions): Promise<BootstrapResult> {
  const cluster = await discoverCluster({ address: o.address, token: o.token, caHashes: o.caHashes, timeoutMs: o.timeoutMs, log: o.log });
  o.log?.(`cluster CA pinned (${o.caHashes.length === 1 ? o.caHashes[0] : "one of the given hashes"}); API at ${cluster.server}`);
  const api = new ApiClient({ server: cluster.server, caPem: cluster.caPem, credentials: () => ({ token: `${o.token.id}.${o.token.secret}` }) });
  const issued = await requestCertificate(api, {
    subject: { commonName: `${NODE_USER_PREFIX}${o.nodeName}`, organizations: [NODES_GROUP] },
    signerName: SIGNER_KUBELET_CLIENT,
    usages: CLIENT_USAGES,
    timeoutMs: o.timeoutMs,
  });
  await writeJoinCredentials(o.files, { server: cluster.server, caPem: cluster.caPem, client: { certPem: issued.certPem, keyPem: issued.keyPem }, nodeName: o.nodeName });
  return { server: cluster.server, requestName: issued.requestName };
}
