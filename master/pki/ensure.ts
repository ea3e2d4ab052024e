// Create-or-reuse of a CA and of the certificates it signs, shared by the cluster PKI (cluster.ts)
// and the etcd PKI (etcd.ts):
//  - a CA is never replaced: everything chains to it. Incomplete, mismatched or expired CA files
//    stop the start with an error saying what to do;
//  - a leaf is reissued when missing, unreadable, not issued by the CA, not matching its key,
//    within RENEW_BEFORE_DAYS of expiry, or not covering what the request asks for (names,
//    usages, subject). Otherwise the files are left exactly as they are.

import { X509Certificate } from "node:crypto";
import { createCa, issueCertificate, keyMatchesCert, type CertificateRequest } from "./certs";
import { readPair, writePair } from "./files";
import type { CertKeyPair } from "./types";

export const RENEW_BEFORE_DAYS = 30;

/** `label` names the PKI in errors ("cluster", "etcd"); the files are `ca.crt` / `ca.key` in `dir`. */
export async function ensureCa(dir: string, commonName: string, now: Date, label = "cluster"): Promise<CertKeyPair> {
  const name = "ca";
  const stored = await readPair(dir, name);
  if (stored.state === "absent") {
    const ca = await createCa(commonName, now);
    await writePair(dir, name, ca);
    return ca;
  }
  const fix = `restore the ${label} CA from a backup, or delete ca.crt and ca.key to start a new cluster (every certificate the old CA issued stops working)`;
  if (stored.state === "partial") {
    throw new Error(`${label} PKI in ${dir}: ${stored.present} exists but ${stored.missing} does not; ${fix}`);
  }
  const cert = new X509Certificate(stored.pair.certPem);
  if (!cert.ca) throw new Error(`${label} PKI in ${dir}: ca.crt is not a CA certificate; ${fix}`);
  if (!keyMatchesCert(stored.pair)) throw new Error(`${label} PKI in ${dir}: ca.key is not the key of ca.crt; ${fix}`);
  if (new Date(cert.validTo).getTime() <= now.getTime()) {
    throw new Error(`${label} PKI in ${dir}: the ${label} CA expired on ${cert.validTo}; ${fix}`);
  }
  return stored.pair;
}

export async function ensureLeaf(dir: string, name: string, ca: CertKeyPair, request: CertificateRequest, now: Date): Promise<CertKeyPair> {
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

