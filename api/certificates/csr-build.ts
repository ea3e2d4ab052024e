// Building a PKCS#10 request on WebCrypto: a fresh ECDSA P-256 key (as master/pki uses) and a
// request for it, signed by it. The agent asks for its node certificates this way; tests use it
// to make requests of every shape.

// Must precede @peculiar/x509, which needs the Reflect metadata API when it loads.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

const keyAlgorithm = { name: "ECDSA", namedCurve: "P-256" } as const;

export interface CsrSubject {
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
}

export interface NewCsr {
  /** PKCS#8 PEM of the new private key; it never leaves the requester. */
  keyPem: string;
  /** PEM "CERTIFICATE REQUEST". */
  csrPem: string;
}

/** A new key and a request for `subject` signed with it. */
export async function createKeyAndCsr(subject: CsrSubject): Promise<NewCsr> {
  const keys = await webcrypto.subtle.generateKey(keyAlgorithm, true, ["sign", "verify"]);
  const name: Record<string, string[]>[] = (subject.organizations ?? []).map((o) => ({ O: [o] }));
  name.push({ CN: [subject.commonName] });
  const sans: x509.JsonGeneralName[] = [
    ...(subject.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(subject.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
  ];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    {
      name,
      keys,
      signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
      extensions: sans.length > 0 ? [new x509.SubjectAlternativeNameExtension(sans, false)] : [],
    },
    webcrypto,
  );
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  return { keyPem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY"), csrPem: csr.toString("pem") };
}
