// The CA pin of `--discovery-token-ca-cert-hash`, kubeadm's format: `sha256:` + the hex SHA-256
// of the CA certificate's DER SubjectPublicKeyInfo. Pinning the public key (not the whole
// certificate) survives re-issuing the CA certificate with the same key.

import { createHash, X509Certificate } from "node:crypto";

const HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** `sha256:<hex>` of the first certificate in `caPem`. */
export function caCertHash(caPem: string): string {
  const spki = new X509Certificate(caPem).publicKey.export({ type: "spki", format: "der" });
  return `sha256:${createHash("sha256").update(spki).digest("hex")}`;
}

/** Normalises a pin given on the command line (case-insensitive hex); throws when malformed. */
export function parseCaHash(text: string): string {
  const pin = text.trim().toLowerCase();
  if (!HASH_PATTERN.test(pin)) throw new Error(`"${text}" is not a CA hash: give sha256:<64 hex digits>, as \`gantry init\` and \`gantry token create --print-join-command\` print it`);
  return pin;
}
