// The control-plane certificate upload, kubeadm's `upload-certs`: the CA material a new master
// needs (the cluster CA and the etcd CA with their keys, the service-account keys when there are
// any) and the etcd client URLs it joins through, stored in the Secret `kube-system/gantry-certs`
// with every value encrypted under the *certificate key* — 32 random bytes, printed once as 64 hex
// characters by `gantry init` / `gantry certs upload` and given to `gantry join --control-plane
// --certificate-key`. Anyone with a bootstrap token may read the Secret (the joiner does, before
// it has any other identity), so the encryption is what protects the keys.
//
// Encryption: AES-256-GCM, a fresh 12-byte nonce per value; each Secret value is nonce ‖
// ciphertext ‖ tag (base64 in the API, as every Secret value), kubeadm's layout. The value's name is authenticated data, so a value cannot be passed
// off as another (the etcd CA's key as the cluster CA's).
//
// Expiry: the Secret is owned by a bootstrap token Secret with a 2-hour lifetime and no usages
// (it can neither authenticate nor sign); when the token cleaner deletes that token, the garbage
// collector deletes the Secret — kubeadm's arrangement. Pure: no I/O.

import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { KubeObject } from "../object";
import { TOKEN_NAMESPACE, tokenSecret, tokenSecretName, type BootstrapToken } from "./token";

export const CERTS_SECRET_NAME = "gantry-certs";
export const CERTS_SECRET_NAMESPACE = TOKEN_NAMESPACE;
/** How long uploaded certificates stay (kubeadm's DefaultCertTokenDuration). */
export const CERT_UPLOAD_TTL_MS = 2 * 3600 * 1000;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface PemPair {
  certPem: string;
  keyPem: string;
}

/** What a joining master gets. */
export interface ControlPlaneMaterial {
  clusterCa: PemPair;
  etcdCa: PemPair;
  /** Client URLs of the etcd members when the material was uploaded. */
  etcdEndpoints: string[];
  /** The service-account signing keys (`sa.key`, `sa.pub`), when the cluster has them. */
  serviceAccount?: { keyPem: string; pubPem: string };
  /** The first master's `encryption-config.yaml` (the keys Secrets are encrypted with at rest), when it has one. */
  encryptionConfig?: string;
}

/** A new certificate key: 64 hex characters. */
export function generateCertificateKey(): string {
  return randomBytes(32).toString("hex");
}

/** The 32 bytes of a certificate key; throws a message for the user when it is not one. */
export function parseCertificateKey(text: string): Buffer {
  if (!/^[0-9a-fA-F]{64}$/.test(text.trim())) {
    throw new Error(`the certificate key must be 64 hexadecimal characters (32 bytes), as \`gantry init\` or \`gantry certs upload\` printed it`);
  }
  return Buffer.from(text.trim(), "hex");
}

/** nonce ‖ ciphertext ‖ tag of `plaintext`, with `name` authenticated alongside. */
export function encryptValue(key: Buffer, name: string, plaintext: string): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(Buffer.from(name));
  const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return Buffer.concat([nonce, sealed, cipher.getAuthTag()]);
}

/** Throws "cannot decrypt" when the key is wrong, or the value was altered or stored under another name. */
export function decryptValue(key: Buffer, name: string, raw: Buffer): string {
  if (raw.length < NONCE_BYTES + TAG_BYTES) throw new Error(`${CERTS_SECRET_NAME}: value "${name}" is too short to be an encrypted value`);
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, NONCE_BYTES));
  decipher.setAAD(Buffer.from(name));
  decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch {
    throw new Error(`cannot decrypt "${name}" of ${CERTS_SECRET_NAMESPACE}/${CERTS_SECRET_NAME}: the certificate key is wrong (or the certificates were uploaded again with a new key; use the key printed last)`);
  }
}

/** The plaintext values, by their names in the Secret (kubeadm's names where it has them). */
function plainValues(m: ControlPlaneMaterial): Record<string, string> {
  const values: Record<string, string> = {
    "ca.crt": m.clusterCa.certPem,
    "ca.key": m.clusterCa.keyPem,
    "etcd-ca.crt": m.etcdCa.certPem,
    "etcd-ca.key": m.etcdCa.keyPem,
    "etcd-endpoints": m.etcdEndpoints.join(","),
  };
  if (m.serviceAccount) {
    values["sa.key"] = m.serviceAccount.keyPem;
    values["sa.pub"] = m.serviceAccount.pubPem;
  }
  if (m.encryptionConfig !== undefined) values["encryption-config.yaml"] = m.encryptionConfig;
  return values;
}

/** The owner token: no usages, no groups, expiring after CERT_UPLOAD_TTL_MS. */
export function certsOwnerTokenSecret(token: BootstrapToken, now: Date): KubeObject {
  return tokenSecret({ token, ttlMs: CERT_UPLOAD_TTL_MS, usages: [], groups: [], description: `Proxy for managing TTL for the ${CERTS_SECRET_NAMESPACE}/${CERTS_SECRET_NAME} secret`, now });
}

/** The Secret holding `m` encrypted under `key`, owned by the token Secret `owner` (name, uid). */
export function certsSecret(m: ControlPlaneMaterial, key: Buffer, owner: { tokenId: string; uid: string }): KubeObject {
  const data: Record<string, string> = {};
  for (const [name, value] of Object.entries(plainValues(m))) {
    data[name] = encryptValue(key, name, value).toString("base64");
  }
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: CERTS_SECRET_NAME,
      namespace: CERTS_SECRET_NAMESPACE,
      ownerReferences: [{ apiVersion: "v1", kind: "Secret", name: tokenSecretName(owner.tokenId), uid: owner.uid, blockOwnerDeletion: true, controller: true }],
    },
    type: "Opaque",
    data,
  };
}

/** Decrypts the Secret; throws naming what is missing or that the key is wrong. */
export function readCertsSecret(secret: KubeObject, key: Buffer): ControlPlaneMaterial {
  const data = (secret.data ?? {}) as Record<string, string>;
  const value = (name: string): string => {
    const stored = data[name];
    if (stored === undefined) throw new Error(`${CERTS_SECRET_NAMESPACE}/${CERTS_SECRET_NAME} has no "${name}"; upload the certificates again (\`gantry certs upload\` on a master)`);
    return decryptValue(key, name, Buffer.from(stored, "base64"));
  };
  const optional = (name: string) => (data[name] === undefined ? undefined : value(name));
  const saKey = optional("sa.key");
  const saPub = optional("sa.pub");
  const encryptionConfig = optional("encryption-config.yaml");
  return {
    clusterCa: { certPem: value("ca.crt"), keyPem: value("ca.key") },
    etcdCa: { certPem: value("etcd-ca.crt"), keyPem: value("etcd-ca.key") },
    etcdEndpoints: value("etcd-endpoints").split(",").filter((u) => u !== ""),
    ...(saKey !== undefined && saPub !== undefined ? { serviceAccount: { keyPem: saKey, pubPem: saPub } } : {}),
    ...(encryptionConfig !== undefined ? { encryptionConfig } : {}),
  };
}
