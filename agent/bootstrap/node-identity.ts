// The node's identity while the agent runs: the client certificate it talks to the API with, the
// serving certificate of its gRPC port, and their renewal. Both are obtained and renewed through
// CertificateSigningRequests made with the current client certificate (a renewal is approved
// because the node asks for itself; a serving certificate because its names are the node's
// addresses). `servingChanged` fires after each new serving certificate, for the gRPC server's
// mutual TLS to pick it up.

import { EventEmitter } from "node:events";
import { X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { NODES_GROUP, NODE_USER_PREFIX, SIGNER_KUBELET_CLIENT, SIGNER_KUBELET_SERVING } from "../../api/certificates/csr";
import { ApiClient } from "../api-client";
import { loadCredentials, writePair, type CertPair, type LoadedCredentials } from "./credentials";
import { requestCertificate } from "./csr-request";
import { CertificateRotation } from "./rotation";

export const CLIENT_USAGES = ["digital signature", "client auth"];
export const SERVING_USAGES = ["digital signature", "server auth"];

export interface ServingNames {
  ips: string[];
  dnsNames: string[];
}

interface IdentityEvents {
  servingChanged: [CertPair];
  clientChanged: [CertPair];
}

export class NodeIdentity extends EventEmitter<IdentityEvents> {
  readonly api: ApiClient;
  readonly nodeName: string;
  private readonly rotations: CertificateRotation[] = [];

  private constructor(
    private readonly creds: LoadedCredentials,
    private readonly log: (msg: string, err?: unknown) => void,
  ) {
    super();
    const cn = /CN=([^\n]+)/.exec(new X509Certificate(creds.client.certPem).subject)?.[1] ?? "";
    if (!cn.startsWith(NODE_USER_PREFIX)) throw new Error(`the client certificate in ${creds.pkiDir} is for "${cn}", not a node (system:node:<name>)`);
    this.nodeName = cn.slice(NODE_USER_PREFIX.length);
    this.api = new ApiClient({ server: creds.server, caPem: creds.caPem, credentials: () => this.creds.client });
  }

  /** The identity `gantry join` left in `kubeconfig`. */
  static async load(kubeconfig: string, log: (msg: string, err?: unknown) => void): Promise<NodeIdentity> {
    return new NodeIdentity(await loadCredentials(kubeconfig), log);
  }

  get client(): CertPair {
    return this.creds.client;
  }

  get serving(): CertPair | undefined {
    return this.creds.serving;
  }

  get caPem(): string {
    return this.creds.caPem;
  }

  /** A serving certificate for `names` unless the one on disk covers them and is not due for renewal. */
  async ensureServing(names: ServingNames): Promise<CertPair> {
    const current = this.creds.serving;
    if (current && covers(current.certPem, names) && Date.now() < new Date(new X509Certificate(current.certPem).validTo).getTime() - 60_000) return current;
    return this.renewServing(names);
  }

  /** Renews both certificates from now on, each at 70–90% of its lifetime. */
  startRotation(names: ServingNames): void {
    this.rotations.push(
      new CertificateRotation({ name: "client", current: () => this.creds.client.certPem, renew: () => this.renewClient().then(() => undefined), log: this.log }),
      // A serving certificate that does not cover the node's names (its address changed) is renewed at once.
      new CertificateRotation({ name: "serving", current: () => (this.creds.serving && covers(this.creds.serving.certPem, names) ? this.creds.serving.certPem : undefined), renew: () => this.renewServing(names).then(() => undefined), log: this.log }),
    );
    for (const r of this.rotations) r.start();
  }

  stop(): void {
    for (const r of this.rotations.splice(0)) r.stop();
  }

  private async renewClient(): Promise<CertPair> {
    const issued = await requestCertificate(this.api, { subject: { commonName: `${NODE_USER_PREFIX}${this.nodeName}`, organizations: [NODES_GROUP] }, signerName: SIGNER_KUBELET_CLIENT, usages: CLIENT_USAGES });
    const pair = { certPem: issued.certPem, keyPem: issued.keyPem };
    await writePair(this.creds.pkiDir, "node-client", pair);
    this.creds.client = pair;
    this.emit("clientChanged", pair);
    return pair;
  }

  private async renewServing(names: ServingNames): Promise<CertPair> {
    const issued = await requestCertificate(this.api, {
      subject: { commonName: `${NODE_USER_PREFIX}${this.nodeName}`, organizations: [NODES_GROUP], ipAddresses: names.ips, dnsNames: names.dnsNames },
      signerName: SIGNER_KUBELET_SERVING,
      usages: SERVING_USAGES,
    });
    const pair = { certPem: issued.certPem, keyPem: issued.keyPem };
    await writePair(this.creds.pkiDir, "node-serving", pair);
    this.creds.serving = pair;
    this.emit("servingChanged", pair);
    return pair;
  }
}

/** The names a node's serving certificate carries: its InternalIP and, when it is a DNS name, its node name. */
export function servingNames(nodeIP: string, nodeName: string): ServingNames {
  const dnsName = isIP(nodeName) === 0 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(nodeName) ? [nodeName] : [];
  return { ips: [nodeIP], dnsNames: dnsName };
}

function covers(certPem: string, names: ServingNames): boolean {
  const cert = new X509Certificate(certPem);
  return names.ips.every((ip) => cert.checkIP(ip) !== undefined) && names.dnsNames.every((d) => cert.checkHost(d, { subject: "never" }) !== undefined);
}
