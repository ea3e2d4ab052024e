// Certificate issuance on Node's WebCrypto with @peculiar/x509: ECDSA P-256 keys, SHA-256
// signatures. No file I/O here; `cluster.ts` decides what to keep on disk.
//
// The crypto provider is passed to every @peculiar/x509 call rather than registered globally.

// Must precede @peculiar/x509, which needs the Reflect metadata API when it loads.
import "reflect-metadata";
import { createPrivateKey, createPublicKey, randomBytes, webcrypto } from "node:crypto";
import { isIP } from "node:net";
import * as x509 from "@peculiar/x509";
import type { CertKeyPair } from "./types";

const crypto = webcrypto;
const keyAlgorithm = { name: "ECDSA", namedCurve: "P-256" } as const;
const signingAlgorithm = { name: "ECDSA", hash: "SHA-256" } as const;

const DAY_MS = 24 * 60 * 60 * 1000;
/** Certificates start a little in the past so hosts whose clocks lag slightly accept them. */
const BACKDATE_MS = 5 * 60 * 1000;

export const CA_VALIDITY_DAYS = 3650;
export const LEAF_VALIDITY_DAYS = 365;

export type Usage = "server" | "client";

export interface CertificateRequest {
  commonName: string;
  /** Subject O= values; Kubernetes reads them as the user's groups. */
  organizations?: string[];
  /** Subject alternative names (serving certificates). */
  dnsNames?: string[];
  ipAddresses?: string[];
  usages: Usage[];
  validityDays?: number;
  /** Defaults to now; tests pass a fixed time. */
  now?: Date;
}

/** A new self-signed CA (basicConstraints CA:TRUE, keyCertSign). */
export async function createCa(commonName: string, now = new Date()): Promise<CertKeyPair> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: [{ CN: [commonName] }],
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
      keys,
      signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { certPem: cert.toString("pem"), keyPem: await privateKeyPem(keys.privateKey) };
}

/** A new key pair and a certificate for it, signed by `ca` (exact validity when `notAfter` is given). */
export async function issueCertificate(ca: CertKeyPair, req: CertificateRequest & { notAfter?: Date }): Promise<CertKeyPair> {
  const keys = await generateKeys();
  const certPem = await signCertificate(ca, { ...req, publicKey: keys.publicKey });
  return { certPem, keyPem: await privateKeyPem(keys.privateKey) };
}

export interface SigningRequest extends CertificateRequest {
  /** The key the certificate is for: a WebCrypto key or a DER SubjectPublicKeyInfo (e.g. from a CSR). */
  publicKey: webcrypto.CryptoKey | Uint8Array;
  /** Exact validity, overriding `validityDays` and the default backdating (the CSR signer's choice). */
  notBefore?: Date;
  notAfter?: Date;
}

/** A certificate for someone else's key (a CSR's), signed by `ca`. Returns the certificate PEM. */
export async function signCertificate(ca: CertKeyPair, req: SigningRequest): Promise<string> {
  const now = req.now ?? new Date();
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importPrivateKey(ca.keyPem);
  const subject: Record<string, string[]>[] = (req.organizations ?? []).map((o) => ({ O: [o] }));
  subject.push({ CN: [req.commonName] });
  const sans: x509.JsonGeneralName[] = [
    ...unique(req.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
    ...unique(req.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
  ];
  for (const ip of req.ipAddresses ?? []) {
    if (isIP(ip) === 0) throw new Error(`certificate for ${req.commonName}: "${ip}" is not an IP address`);
  }
  const extendedUsages = req.usages.map((u) => (u === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth));
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(extendedUsages, false),
    await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey, false, crypto),
    await x509.SubjectKeyIdentifierExtension.create(req.publicKey, false, crypto),
  ];
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans, false));
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      // The issuer's encoded name, byte for byte: Go and OpenSSL match issuer to subject on bytes.
      issuer: caCert.subjectName,
      subject,
      notBefore: req.notBefore ?? new Date(now.getTime() - BACKDATE_MS),
      notAfter: req.notAfter ?? new Date(now.getTime() + (req.validityDays ?? LEAF_VALIDITY_DAYS) * DAY_MS),
      publicKey: req.publicKey,
      signingKey: caKey,
      signingAlgorithm,
      extensions,
    },
    crypto,
  );
  return cert.toString("pem");
}

/** Whether `pair.keyPem` is the private key of the public key in `pair.certPem`. */
export function keyMatchesCert(pair: CertKeyPair): boolean {
  const fromKey = createPublicKey(createPrivateKey(pair.keyPem)).export({ type: "spki", format: "der" });
  const fromCert = Buffer.from(new x509.X509Certificate(pair.certPem).publicKey.rawData);
  return fromKey.equals(fromCert);
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return crypto.subtle.generateKey(keyAlgorithm, true, ["sign", "verify"]);
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

async function importPrivateKey(pem: string): Promise<webcrypto.CryptoKey> {
  // Node's KeyObject reads every PEM flavour (PKCS#8, SEC1 "EC PRIVATE KEY"); WebCrypto only PKCS#8.
  const der = createPrivateKey(pem).export({ type: "pkcs8", format: "der" });
  return crypto.subtle.importKey("pkcs8", der, keyAlgorithm, false, ["sign"]);
}

/** 128 random bits as a positive serial number (RFC 5280 §4.1.2.2; Go rejects negative ones). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  // High bit clear (positive), next bit set (no leading zero byte, so always 16 bytes).
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString("hex");
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
