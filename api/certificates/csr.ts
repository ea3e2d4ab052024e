// certificates.k8s.io/v1 CertificateSigningRequests: the PKCS#10 request inside `spec.request`,
// the well-known signers and usages, and Kubernetes' rules for what a kubelet client or serving
// request must look like. Pure: no I/O. The apiserver validates with it, the approver and signer
// decide with it (master/certificates), and the agent builds requests that pass it.

// Must precede @peculiar/x509, which needs the Reflect metadata API when it loads.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { webcrypto } from "node:crypto";

export const SIGNER_KUBELET_CLIENT = "kubernetes.io/kube-apiserver-client-kubelet";
export const SIGNER_KUBELET_SERVING = "kubernetes.io/kubelet-serving";
export const SIGNER_APISERVER_CLIENT = "kubernetes.io/kube-apiserver-client";
export const SIGNER_LEGACY_UNKNOWN = "kubernetes.io/legacy-unknown";

export const NODE_USER_PREFIX = "system:node:";
export const NODES_GROUP = "system:nodes";

/** Every key usage the API accepts (certificates/v1 KeyUsage). */
export const KEY_USAGES = [
  "signing", "digital signature", "content commitment", "key encipherment", "key agreement", "data encipherment",
  "cert sign", "crl sign", "encipher only", "decipher only", "any", "server auth", "client auth", "code signing",
  "email protection", "s/mime", "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing",
  "microsoft sgc", "netscape sgc",
] as const;

/** The shortest certificate a requester may ask for (spec.expirationSeconds). */
export const MIN_EXPIRATION_SECONDS = 600;

/** What a PKCS#10 request asks for. */
export interface ParsedCsr {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
  /** DER SubjectPublicKeyInfo of the requested key. */
  publicKeySpki: Uint8Array;
  /** The parsed request, for signature checks. */
  request: x509.Pkcs10CertificateRequest;
}

/**
 * Decodes `spec.request` (base64 of a PEM "CERTIFICATE REQUEST" block). Throws with Kubernetes'
 * wording when it is not one.
 */
export function parseCsrRequest(base64: string): ParsedCsr {
  const pem = Buffer.from(base64, "base64").toString("utf8");
  const m = /-----BEGIN ([A-Z ]+)-----\r?\n([\s\S]*?)\r?\n-----END \1-----/.exec(pem);
  if (!m || m[1] !== "CERTIFICATE REQUEST") throw new Error("PEM block type must be CERTIFICATE REQUEST");
  let request: x509.Pkcs10CertificateRequest;
  try {
    request = new x509.Pkcs10CertificateRequest(Buffer.from(m[2].replace(/\s+/g, ""), "base64"));
  } catch (err) {
    throw new Error(`asn1: structure error: ${(err as Error).message}`);
  }
  const names = nameValues(request.subjectName);
  const san = request.getExtension("2.5.29.17") as x509.SubjectAlternativeNameExtension | null; // subjectAltName
  const sans = san?.names.toJSON() ?? [];
  const of = (type: string) => sans.filter((n) => n.type === type).map((n) => n.value);
  return {
    commonName: names.CN?.[0] ?? "",
    organizations: names.O ?? [],
    dnsNames: of("dns"),
    ipAddresses: of("ip"),
    emailAddresses: of("email"),
    uris: of("url"),
    publicKeySpki: new Uint8Array(request.publicKey.rawData),
    request,
  };
}

/** Whether the request is signed by the key it carries (proof of possession). */
export async function csrSignatureValid(parsed: ParsedCsr): Promise<boolean> {
  try {
    return await parsed.request.verify(webcrypto);
  } catch {
    return false;
  }
}

/** Why a request is not a kubelet client request (upstream's ValidateKubeletClientCSR), or undefined. */
export function kubeletClientProblem(csr: ParsedCsr, usages: readonly string[]): string | undefined {
  if (!sameSet(csr.organizations, [NODES_GROUP])) return "subject organization is not system:nodes";
  if (csr.dnsNames.length > 0) return "DNS subjectAltNames are not allowed";
  if (csr.emailAddresses.length > 0) return "Email subjectAltNames are not allowed";
  if (csr.ipAddresses.length > 0) return "IP subjectAltNames are not allowed";
  if (csr.uris.length > 0) return "URI subjectAltNames are not allowed";
  if (!csr.commonName.startsWith(NODE_USER_PREFIX)) return "subject common name does not begin with system:node:";
  if (!sameSet(usages, ["digital signature", "key encipherment", "client auth"]) && !sameSet(usages, ["digital signature", "client auth"])) {
    return "usages did not match [client auth digital signature key encipherment]";
  }
  return undefined;
}

/** Why a request is not a kubelet serving request (upstream's ValidateKubeletServingCSR), or undefined. */
export function kubeletServingProblem(csr: ParsedCsr, usages: readonly string[]): string | undefined {
  if (!sameSet(csr.organizations, [NODES_GROUP])) return "subject organization is not system:nodes";
  if (csr.dnsNames.length === 0 && csr.ipAddresses.length === 0) return "DNS or IP subjectAltName is required";
  if (csr.emailAddresses.length > 0) return "Email subjectAltNames are not allowed";
  if (csr.uris.length > 0) return "URI subjectAltNames are not allowed";
  if (!sameSet(usages, ["digital signature", "key encipherment", "server auth"]) && !sameSet(usages, ["digital signature", "server auth"])) {
    return "usages did not match [digital signature key encipherment server auth]";
  }
  if (!csr.commonName.startsWith(NODE_USER_PREFIX)) return "subject common name does not begin with system:node:";
  return undefined;
}

/** The TLS purposes (server/client) a usage list grants; the signer puts only these in certificates. */
export function extendedUsages(usages: readonly string[]): ("server" | "client")[] {
  const out: ("server" | "client")[] = [];
  if (usages.includes("server auth")) out.push("server");
  if (usages.includes("client auth")) out.push("client");
  return out;
}

function nameValues(name: x509.Name): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const rdn of name.toJSON()) {
    for (const [type, values] of Object.entries(rdn)) (out[type] ??= []).push(...values);
  }
  return out;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === a.length && a.length === b.length && b.every((x) => sa.has(x));
}
