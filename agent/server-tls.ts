// The agent's gRPC port over mutual TLS (JOIN-PLAN.md "Identities"). The agent serves its node's
// serving certificate (`<data-dir>/pki/node-serving.*`, issued through a CSR and renewed by
// bootstrap/node-identity.ts) and admits a client only if
//   - the TLS handshake verified its certificate against the cluster CA (a client without a
//     certificate, or with another CA's, never completes the handshake), and
//   - that certificate carries O=system:masters (a master's `gantry-master:<name>` or the admin's);
//     anyone else's — a node's own certificate above all — gets PERMISSION_DENIED before any
//     handler runs, for every RPC.
// A renewed serving certificate is put in place without a restart (servingChanged → the TLS
// server's secure context); open sessions keep their connection.

import { experimental, ResponderBuilder, ServerInterceptingCall, ServerListenerBuilder, status, type ServerCredentials, type ServerInterceptor } from "@grpc/grpc-js";
import type { PeerCertificate } from "node:tls";
import type { CertPair } from "./bootstrap/credentials";

export const MASTERS_GROUP = "system:masters";

type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

/**
 * The cluster CA and this node's serving certificate, as grpc-js reads them. Until a serving
 * certificate is set the port accepts TCP connections but drops them (grpc-js has no credentials
 * to offer), which is how the agent serves before its first certificate is issued.
 */
export class NodeCertificateProvider implements experimental.CertificateProvider {
  private readonly ca: experimental.CaCertificateUpdate;
  private identity: experimental.IdentityCertificateUpdate | null;
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();

  constructor(caPem: string, serving?: CertPair) {
    this.ca = { caCertificate: Buffer.from(caPem) };
    this.identity = serving ? toIdentity(serving) : null;
  }

  /** Serves `pair` from the next handshake on. */
  setServing(pair: CertPair): void {
    this.identity = toIdentity(pair);
    for (const l of this.identityListeners) l(this.identity);
  }

  get hasServing(): boolean {
    return this.identity !== null;
  }

  // grpc-js registers its listeners before its own watcher: answer on the next tick, as its
  // FileWatcherCertificateProvider does, or the first answer would be lost.
  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    process.nextTick(() => this.caListeners.has(listener) && listener(this.ca));
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    process.nextTick(() => this.identityListeners.has(listener) && this.identity && listener(this.identity));
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }
}

/** Server credentials: TLS with a client certificate required (cluster CA), masters only. */
export function agentServerCredentials(provider: NodeCertificateProvider): ServerCredentials {
  const tls = experimental.createCertificateProviderServerCredentials(provider, provider, true);
  return experimental.createServerCredentialsWithInterceptors(tls, [mastersOnly]);
}

/** Why `peer` may not command this agent, or undefined when it carries O=system:masters. */
export function masterCertificateProblem(peer: PeerCertificate | undefined): string | undefined {
  if (!peer) return "a client certificate signed by the cluster CA is required";
  const subject = peer.subject as Partial<Record<string, string | string[]>> | undefined;
  const orgs = [subject?.O ?? []].flat();
  if (orgs.includes(MASTERS_GROUP)) return undefined;
  const who = [subject?.CN ?? "<no common name>"].flat().join(",");
  return `"${who}" (groups ${orgs.length > 0 ? orgs.join(",") : "none"}) may not call the agent: only masters (${MASTERS_GROUP}) may`;
}

/** Refuses the call before its handler runs unless the connection's certificate is a master's. */
const mastersOnly: ServerInterceptor = (_method, call) => {
  const listener = new ServerListenerBuilder()
    .withOnReceiveMetadata((metadata, next) => {
      const problem = masterCertificateProblem(call.getAuthContext().sslPeerCertificate);
      if (problem) call.sendStatus({ code: status.PERMISSION_DENIED, details: problem });
      else next(metadata);
    })
    .build();
  return new ServerInterceptingCall(call, new ResponderBuilder().withStart((next) => next(listener)).build());
};

function toIdentity(pair: CertPair): experimental.IdentityCertificateUpdate {
  return { certificate: Buffer.from(pair.certPem), privateKey: Buffer.from(pair.keyPem) };
}
