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
import { createCa, issueCertificate, keyMatchesCert, type CertificateRequest } from "./certs";
import { ensureDir, readPair, writePair } from "./files";
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
export const RENEW_BEFORE_DAYS = 30;

/**
 * Loads the PKI in `dir`, creating whatever is missing (see the reuse rules above). Safe to call
 * on every start. `names` are the apiserver's extra SANs; an entry of `hostnames` that is an IP
 * address is treated as one.
 */
export async function ensureClusterPki(dir: string, names: ServingNames, now = new Date()): Promise<ClusterPki> {
  await ensureDir(dir);
  const ca = await ensureCa(dir, now);
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

async function ensureCa(dir: string, now: Date): Promise<CertKeyPair> {
  const stored = await readPair(dir, "ca");
  if (stored.state === "absent") {
    const ca = await createCa(CA_COMMON_NAME, now);
    await writePair(dir, "ca", ca);
    return ca;
  }
  const fix = "restore the cluster CA from a backup, or delete ca.crt and ca.key to start a new cluster (every certificate the old CA issued stops working)";
  if (stored.state === "partial") {
    throw new Error(`cluster PKI in ${dir}: ${stored.present} exists but ${stored.missing} does not; ${fix}`);
  }
  const cert = new X509Certificate(stored.pair.certPem);
  if (!cert.ca) throw new Error(`cluster PKI in ${dir}: ca.crt is not a CA certificate; ${fix}`);
  if (!keyMatchesCert(stored.pair)) throw new Error(`cluster PKI in ${dir}: ca.key is not the key of ca.crt; ${fix}`);
  if (new Date(cert.validTo).getTime() <= now.getTime()) {
    throw new Error(`cluster PKI in ${dir}: the cluster CA expired on ${cert.validTo}; ${fix}`);
  }
  return stored.pair;
}

async function ensureLeaf(dir: string, name: string, ca: CertKeyPair, request: CertificateRequest, now: Date): Promise<CertKeyPair> {
  const stored = await readPair(dir, name);
  if (stored.state === "present" && isUsable(stored.pair, ca, request, now)) return stored.pair;
  const pair = await issueCertificate(ca, request);
  await writePair(dir, name, pair);
  return pair;
}

/** Whether a stored certificate still does the job `request` describes. */
function isUsable(pair: CertKeyPair, ca: CertKeyPair, request: CertificateRequest, now: Date): boolean {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pair.certPem);
    if (!keyMatchesCert(pair)) return false;
  } catch {
    return false; // unreadable PEM: replace it
  }
  const caCert = new X509Certificate(ca.certPem);
  if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) return false;
  const renewAt = new Date(cert.validTo).getTime() - RENEW_BEFORE_DAYS * 24 * 60 * 60 * 1000;
  if (now.getTime() >= renewAt) return false;
  const usages = cert.keyUsage ?? [];
  for (const usage of request.usages) {
    if (!usages.includes(usage === "server" ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")) return false;
  }
  if (!(request.dnsNames ?? []).every((host) => cert.checkHost(host, { subject: "never" }) !== undefined)) return false;
  if (!(request.ipAddresses ?? []).every((ip) => cert.checkIP(ip) !== undefined)) return false;
  return subjectMatches(cert, request);
}

function subjectMatches(cert: X509Certificate, request: CertificateRequest): boolean {
  const fields = cert.subject.split("\n");
  const cns = fields.filter((f) => f.startsWith("CN=")).map((f) => f.slice(3));
  const orgs = fields.filter((f) => f.startsWith("O=")).map((f) => f.slice(2));
  const wanted = request.organizations ?? [];
  return cns.length === 1 && cns[0] === request.commonName && orgs.length === wanted.length && wanted.every((o) => orgs.includes(o));
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
