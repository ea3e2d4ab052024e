// How masters dial agents: mutual TLS with the cluster CA (JOIN-PLAN.md "Identities"). The master
// presents its client certificate (`CN=gantry-master:<name>, O=system:masters`,
// `<data-dir>/pki/master-agent-client.*`); the agent must present a serving certificate that
// chains to the cluster CA, covers the address dialled, and names `system:node:<the node the
// master meant to dial>`. The last check is what keeps a master from handing node A's pods and
// Secrets to node B's agent when Node addresses are wrong or swapped: B's certificate, however
// valid, is not A's.

import { credentials, type ChannelCredentials } from "@grpc/grpc-js";
import { checkServerIdentity, type PeerCertificate } from "node:tls";

/** Credentials for the channel to one node's agent. */
export interface AgentTransport {
  credentialsFor(nodeName: string): ChannelCredentials;
}

export interface MasterClientCertificate {
  /** The cluster CA: agents' serving certificates must chain to it. */
  caPem: string;
  certPem: string;
  keyPem: string;
}

export const NODE_USER_PREFIX = "system:node:";

/** Mutual TLS: the master's client certificate, and the agent's checked to be `nodeName`'s. */
export function mutualTlsTransport(cert: MasterClientCertificate): AgentTransport {
  const ca = Buffer.from(cert.caPem);
  const key = Buffer.from(cert.keyPem);
  const chain = Buffer.from(cert.certPem);
  return {
    credentialsFor: (nodeName) =>
      credentials.createSsl(ca, key, chain, { checkServerIdentity: (host, peer) => agentIdentityProblem(host, peer, nodeName) }),
  };
}

/** Plain HTTP/2: only for agents and masters in one test process (no certificates there). */
export const insecureTransport: AgentTransport = { credentialsFor: () => credentials.createInsecure() };

/**
 * Why `peer` (already verified against the cluster CA by the handshake) is not the serving
 * certificate of node `nodeName` at `host`, or undefined when it is.
 */
export function agentIdentityProblem(host: string, peer: PeerCertificate, nodeName: string): Error | undefined {
  const want = `${NODE_USER_PREFIX}${nodeName}`;
  const cn = commonName(peer);
  if (cn !== want) {
    return new Error(`the agent at ${host} presented a certificate for "${cn ?? "<no common name>"}", not ${want}: it is not node ${nodeName}'s agent (are the Node's addresses right?)`);
  }
  return checkServerIdentity(host, peer);
}

function commonName(peer: PeerCertificate): string | undefined {
  const cn = (peer.subject as Partial<Record<string, string | string[]>> | undefined)?.CN;
  return Array.isArray(cn) ? undefined : cn;
}
