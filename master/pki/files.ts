// The PKI directory on disk: `<name>.crt` (0644) and `<name>.key` (0600) pairs, written atomically
// (temporary file + rename) so a crash never leaves half a PEM behind.

import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CertKeyPair } from "./types";

export const CERT_MODE = 0o644;
export const KEY_MODE = 0o600;

export type StoredPair =
  | { state: "absent" }
  /** One of the two files exists without the other. */
  | { state: "partial"; present: string; missing: string }
  | { state: "present"; pair: CertKeyPair };

export function certPath(dir: string, name: string): string {
  return join(dir, `${name}.crt`);
}

export function keyPath(dir: string, name: string): string {
  return join(dir, `${name}.key`);
}

/** Creates the PKI directory (0700) if it does not exist. */
export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/** Reads `<name>.crt` and `<name>.key`; tightens the key file to 0600 if it is looser. */
export async function readPair(dir: string, name: string): Promise<StoredPair> {
  const [certPem, keyPem] = await Promise.all([readIfExists(certPath(dir, name)), readIfExists(keyPath(dir, name))]);
  if (certPem === undefined && keyPem === undefined) return { state: "absent" };
  if (certPem === undefined) return { state: "partial", present: keyPath(dir, name), missing: certPath(dir, name) };
  if (keyPem === undefined) return { state: "partial", present: certPath(dir, name), missing: keyPath(dir, name) };
  const mode = (await stat(keyPath(dir, name))).mode & 0o777;
  if ((mode & ~KEY_MODE) !== 0) await chmod(keyPath(dir, name), KEY_MODE);
  return { state: "present", pair: { certPem, keyPem } };
}

/** Writes the key first, so a certificate on disk always has its key beside it. */
export async function writePair(dir: string, name: string, pair: CertKeyPair): Promise<void> {
  await writeFileAtomic(keyPath(dir, name), pair.keyPem, KEY_MODE);
  await writeFileAtomic(certPath(dir, name), pair.certPem, CERT_MODE);
}

/** Replaces `path` with `data` in one rename; the file has exactly `mode`, whatever the umask. */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await writeFile(tmp, data, { mode, flag: "wx", flush: true });
    await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The file's text, or undefined when it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
