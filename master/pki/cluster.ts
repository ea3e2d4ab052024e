// The master's PKI directory: created on first start, reused afterwards.
//
// Reuse rules, applied on every start:
//  - The CA is never replaced: every certificate in the cluster chains to it. A CA whose files
//    are incomplete, mismatched or expired stops the master with an error saying what to do.
//  - apiserver and admin certificates are reissued from the CA when they are missing, were not
//    issued by this CA, do not match their key, expire within RENEW_BEFORE_DAYS, or (apiserver)
//    do not cover every requested name. Otherwise the files are left exactly as they are.

import { X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { issueCertificate, type CertificateRequest } from "./certs";
import { ensureCa, ensureLeaf } from "./ensure";
import { ensureDir } from "./files";
import type { CertificateAuthority, CertKeyPair, ClusterPki, ServingNames } from "./types";

export const CA_COMMON_NAME = "gantry-ca";
export const ADMIN_USER = "kubernetes-admin";
export const ADMIN_GROUP = "system:masters";
/** Names every apiserver certificate carries: loopback and the in-cluster `kubernetes` Service. */
export const APISERVER_DNS_NAMES = [
  "localhost",
  "kubernetes",
  "kubernetes.default",
  "kubernetes.default.svc",
  "kubernetes.default.svc.cluster.local",
];
/** Loopback; the master adds the `kubernetes` Service's ClusterIP (first address of its
 *  --service-cluster-ip-range) to the requested names. */
export const APISERVER_IPS = ["127.0.0.1"];
export { RENEW_BEFORE_DAYS } from "./ensure";

/**
 * Loads the PKI in `dir`, creating whatever is missing (see the reuse rules above). Safe to call
 * on every start. `names` are the apiserver's extra SANs; an entry of `hostnames` that is an IP
 * address is treated as one.
 */
export async function ensureClusterPki(dir: string, names: ServingNames, now = new Date()): Promise<ClusterPki> {
  await ensureDir(dir);
  const ca = await ensureCa(dir, CA_COMMON_NAME, now);
  const apiserverRequest = apiserverCertificateRequest(names, now);
  const apiserver = await ensureLeaf(dir, "apiserver", ca, apiserverRequest, now);
  const admin = await ensureLeaf(
    dir,
    "admin",
    ca,
    { commonName: ADMIN_USER, organizations: [ADMIN_GROUP], usages: ["client"], now },
    now,
  );
  return {
    dir,
    caCert: ca.certPem,
    caKey: ca.keyPem,
    apiserverCert: apiserver.certPem,
    apiserverKey: apiserver.keyPem,
    adminCert: admin.certPem,
    adminKey: admin.keyPem,
  };
}

/** File name (`<name>.crt/.key` in the PKI directory) of the master's client certificate for agents. */
export const MASTER_AGENT_CLIENT = "master-agent-client";
export const MASTER_AGENT_CLIENT_PREFIX = "gantry-master:";

/**
 * The client certificate this master dials agents with: `CN=gantry-master:<name>,
 * O=system:masters` (agents accept no other group). Created or reissued by ensureLeaf's rules,
 * so, like the apiserver's, it is renewed at a start within 30 days of its expiry.
 */
export async function ensureMasterAgentClient(dir: string, ca: CertificateAuthority, masterName: string, now = new Date()): Promise<CertKeyPair> {
  const request: CertificateRequest = { commonName: `${MASTER_AGENT_CLIENT_PREFIX}${masterName}`, organizations: [ADMIN_GROUP], usages: ["client"], now };
  return ensureLeaf(dir, MASTER_AGENT_CLIENT, caPair(ca), request, now);
}

/** A client certificate (e.g. for an agent, `system:node:<name>` in `system:nodes`), 1 year. */
export async function issueClientCert(pki: CertificateAuthority, cn: string, orgs: string[] = []): Promise<CertKeyPair> {
  return issueCertificate(caPair(pki), { commonName: cn, organizations: orgs, usages: ["client"] });
}

/** A serving certificate for `names` (e.g. an agent's port 10250), 1 year. */
export async function issueServingCert(pki: CertificateAuthority, cn: string, names: ServingNames): Promise<CertKeyPair> {
  const { dnsNames, ipAddresses } = splitNames(names);
  return issueCertificate(caPair(pki), { commonName: cn, dnsNames, ipAddresses, usages: ["server"] });
}

/** The SHA-256 fingerprint of a certificate, as `openssl x509 -fingerprint -sha256` prints it. */
export function certificateFingerprint(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

function apiserverCertificateRequest(names: ServingNames, now: Date): CertificateRequest {
  const extra = splitNames(names);
  return {
    commonName: "kube-apiserver",
    dnsNames: unique([...APISERVER_DNS_NAMES, ...extra.dnsNames]),
    ipAddresses: unique([...APISERVER_IPS, ...extra.ipAddresses]),
    usages: ["server"],
    now,
  };
}

function splitNames(names: ServingNames): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses = [...names.ips];
  for (const host of names.hostnames) (isIP(host) === 0 ? dnsNames : ipAddresses).push(host);
  for (const ip of ipAddresses) {
    if (isIP(ip) === 0) throw new Error(`serving certificate: "${ip}" is not an IPv4 or IPv6 address`);
  }
  return { dnsNames, ipAddresses };
}

function caPair(pki: CertificateAuthority): CertKeyPair {
  return { certPem: pki.caCert, keyPem: pki.caKey };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
