// Masters of one cluster must share the encryption config: a Secret one master encrypted has to
// be readable on every other. A master started with --ca-dir (HA) that has no config yet copies
// the first master's — from the --ca-dir itself, or from its parent when --ca-dir is that
// master's <data-dir>/pki — instead of making its own key. The first master writes its config
// before its CA, so whoever waits for the CA finds the config too.

import { copyFile, stat } from "node:fs/promises";
import path from "node:path";
import { ENCRYPTION_CONFIG_FILE } from "./encryption-config";

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Copies the shared config into `dataDir` if it has none; throws when --ca-dir has none to share. */
export async function importEncryptionConfig(caDir: string, dataDir: string): Promise<"copied" | "present"> {
  const target = path.join(dataDir, ENCRYPTION_CONFIG_FILE);
  if (await exists(target)) return "present";
  for (const candidate of [path.join(caDir, ENCRYPTION_CONFIG_FILE), path.join(caDir, "..", ENCRYPTION_CONFIG_FILE)]) {
    if (await exists(candidate)) {
      await copyFile(candidate, target);
      return "copied";
    }
  }
  throw new Error(
    `--ca-dir ${caDir}: no ${ENCRYPTION_CONFIG_FILE} beside ca.crt or in its parent directory; masters of one cluster share it ` +
      `(copy the first master's <data-dir>/${ENCRYPTION_CONFIG_FILE} there), or Secrets one master writes cannot be read by the others`,
  );
}
