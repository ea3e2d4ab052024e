// The service-account signing key pair, kubeadm's layout: `<pki>/sa.key` (the private key,
// PKCS#8 PEM, 0600) and `<pki>/sa.pub` (its public key, SPKI PEM, 0644). Service-account tokens
// are signed with sa.key and verified with sa.pub (master/auth/token-issuer.ts); every master of
// a cluster must hold the same pair, so `--ca-dir` copies it with the CA and a control-plane join
// uploads it (SERVICE_ACCOUNT_KEY_FILES).
//
// Created once (ECDSA P-256, the curve of the rest of the PKI) and never replaced: replacing it
// would void every token in every running pod. An RSA key put there by hand (a kubeadm
// cluster's sa.key) is used as it is.

import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { join } from "node:path";
import { CERT_MODE, ensureDir, KEY_MODE, readIfExists, writeFileAtomic } from "./files";

export const SERVICE_ACCOUNT_KEY = "sa.key";
export const SERVICE_ACCOUNT_PUBLIC_KEY = "sa.pub";
/** The files a master copying another master's keys needs, in the order to write them. */
export const SERVICE_ACCOUNT_KEY_FILES = [SERVICE_ACCOUNT_KEY, SERVICE_ACCOUNT_PUBLIC_KEY] as const;

export interface ServiceAccountKeys {
  privateKeyPem: string;
  publicKeyPem: string;
}

/**
 * Reads `<dir>/sa.key` and `sa.pub`, creating them when both are missing. A missing sa.pub is
 * derived from sa.key; a sa.pub without sa.key, or one that is not sa.key's public half, stops
 * the start with an error saying what to do.
 */
export async function ensureServiceAccountKeys(dir: string): Promise<ServiceAccountKeys> {
  const keyFile = join(dir, SERVICE_ACCOUNT_KEY);
  const pubFile = join(dir, SERVICE_ACCOUNT_PUBLIC_KEY);
  const [keyPem, pubPem] = await Promise.all([readIfExists(keyFile), readIfExists(pubFile)]);
  if (keyPem === undefined) {
    if (pubPem !== undefined) {
      throw new Error(`${pubFile} exists without ${keyFile}: copy sa.key from another master of this cluster (it signs service-account tokens), or remove sa.pub to make a new pair (tokens signed with the old key stop working)`);
    }
    await ensureDir(dir);
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const keys = { privateKeyPem: pem(privateKey, "pkcs8"), publicKeyPem: pem(publicKey, "spki") };
    // Private key first: a public key on disk always has its private half beside it.
    await writeFileAtomic(keyFile, keys.privateKeyPem, KEY_MODE);
    await writeFileAtomic(pubFile, keys.publicKeyPem, CERT_MODE);
    return keys;
  }
  let derived: string;
  try {
    derived = pem(createPublicKey(createPrivateKey(keyPem)), "spki");
  } catch (err) {
    throw new Error(`${keyFile} is not a readable private key (${(err as Error).message})`);
  }
  if (pubPem === undefined) {
    await writeFileAtomic(pubFile, derived, CERT_MODE);
    return { privateKeyPem: keyPem, publicKeyPem: derived };
  }
  if (!samePublicKey(pubPem, derived)) {
    throw new Error(`${pubFile} is not the public key of ${keyFile}: copy both from the same master, or remove sa.pub to derive it again`);
  }
  return { privateKeyPem: keyPem, publicKeyPem: pubPem };
}

function pem(key: KeyObject, type: "pkcs8" | "spki"): string {
  return key.export({ format: "pem", type }).toString();
}

function samePublicKey(a: string, b: string): boolean {
  try {
    return createPublicKey(a).export({ format: "der", type: "spki" }).equals(createPublicKey(b).export({ format: "der", type: "spki" }));
  } catch {
    return false;
  }
}

/** `<dir>/sa.key` and `sa.pub` as they are on disk, or undefined unless both are there. */
export async function readServiceAccountKeys(dir: string): Promise<ServiceAccountKeys | undefined> {
  const [keyPem, pubPem] = await Promise.all([readIfExists(join(dir, SERVICE_ACCOUNT_KEY)), readIfExists(join(dir, SERVICE_ACCOUNT_PUBLIC_KEY))]);
  return keyPem !== undefined && pubPem !== undefined ? { privateKeyPem: keyPem, publicKeyPem: pubPem } : undefined;
}

/**
 * Writes another master's pair into `dir` (`--ca-dir`, a control-plane join's download): tokens
 * one master signs must verify on every other. The same pair already there is left alone; another
 * pair is refused, since this data dir's tokens came from another key (`fix` says what to do).
 */
export async function installServiceAccountKeys(dir: string, keys: ServiceAccountKeys, fix: string): Promise<"installed" | "present"> {
  const present = await readIfExists(join(dir, SERVICE_ACCOUNT_KEY));
  if (present !== undefined) {
    if (samePublicKey(publicHalf(present), keys.publicKeyPem)) return "present";
    throw new Error(`${join(dir, SERVICE_ACCOUNT_KEY)} is another service-account key than this cluster's; this data dir belongs to another cluster (${fix})`);
  }
  await ensureDir(dir);
  await writeFileAtomic(join(dir, SERVICE_ACCOUNT_KEY), keys.privateKeyPem, KEY_MODE);
  await writeFileAtomic(join(dir, SERVICE_ACCOUNT_PUBLIC_KEY), keys.publicKeyPem, CERT_MODE);
  return "installed";
}

function publicHalf(privateKeyPem: string): string {
  try {
    return pem(createPublicKey(createPrivateKey(privateKeyPem)), "spki");
  } catch {
    return "";
  }
}
