// `gantry secrets rotate-key`: a new aesgcm key for Secrets, run on a master host.
//
//   1. the new key goes first in <data-dir>/encryption-config.yaml (older keys stay, so every
//      Secret stays readable); the master reloads the file within a second — the command waits
//      until /readyz?verbose reports the new file's digest;
//   2. every Secret is read and written back through the API, so it is stored under the new key;
//   3. with --prune, the older keys are dropped (the master reloads again).
//
// Counts are printed at each step. Masters of one cluster must hold the same file: this command
// edits only this host's (see master/store/README.md for the HA procedure).

import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { answerMessage, type ApiClient } from "../agent/api-client";
import type { KubeObject } from "../api/object";
import { configDigest, writeEncryptionConfigFile } from "../master/store/encryption/encryption-at-rest";
import { ENCRYPTION_CONFIG_FILE, parseEncryptionConfig, type EncryptionConfig } from "../master/store/encryption/encryption-config";
import { withNewWriteKey, withoutOldKeys } from "../master/store/encryption/key-rotation";
import { adminClient } from "./admin-client";
import { DEFAULT_ADMIN_KUBECONFIG, DEFAULT_MASTER_DATA_DIR } from "./master";

export interface RotateOptions {
  dataDir: string;
  api: ApiClient;
  prune: boolean;
  /** How long to wait for the master to load a rewritten config. */
  timeoutMs: number;
  print: (line: string) => void;
}

async function readConfig(file: string): Promise<EncryptionConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message} (run this on a master, or pass --data-dir)`);
  }
  return parseEncryptionConfig(text, file);
}

/** Writes the config and waits until the master serving `api` has it in force. */
async function install(file: string, config: EncryptionConfig, o: RotateOptions): Promise<void> {
  const digest = configDigest(await writeEncryptionConfigFile(file, config));
  const deadline = Date.now() + o.timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    const a = await o.api.request("GET", "/readyz?verbose").catch((err: Error) => ({ status: 0, body: err.message }));
    last = typeof a.body === "string" ? a.body : answerMessage(a);
    if (last.includes(`encryption-config ok (sha256:${digest}`)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the master did not load ${file} within ${o.timeoutMs / 1000}s (is --data-dir this master's? last /readyz: ${last.trim().split("\n").find((l) => l.includes("encryption")) ?? last.trim()})`);
}

/** Reads every Secret and writes it back unchanged, so the master stores it with its current write key. */
export async function rewriteSecrets(api: ApiClient): Promise<{ rewritten: number; gone: number }> {
  let rewritten = 0;
  let gone = 0;
  let token = "";
  do {
    const list = await api.request("GET", `/api/v1/secrets?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ""}`);
    if (list.status !== 200) throw new Error(`listing Secrets failed: ${list.status} ${answerMessage(list)}`);
    const body = list.body as { items?: KubeObject[]; metadata?: { continue?: string } };
    for (const item of body.items ?? []) {
      let secret: KubeObject | undefined = item;
      for (let attempt = 0; secret; attempt++) {
        const at = `/api/v1/namespaces/${secret.metadata.namespace}/secrets/${secret.metadata.name}`;
        const put = await api.request("PUT", at, { ...secret, apiVersion: "v1", kind: "Secret" });
        if (put.status === 200) {
          rewritten++;
          break;
        }
        if (put.status === 404) {
          gone++;
          break;
        }
        // Written by someone else meanwhile: read it again and write that.
        if (put.status !== 409 || attempt >= 5) throw new Error(`rewriting Secret ${secret.metadata.namespace}/${secret.metadata.name} failed: ${put.status} ${answerMessage(put)}`);
        const again = await api.request("GET", at);
        if (again.status === 404) {
          gone++;
          break;
        }
        if (again.status !== 200) throw new Error(`reading Secret ${secret.metadata.namespace}/${secret.metadata.name} failed: ${again.status} ${answerMessage(again)}`);
        secret = again.body as KubeObject;
      }
    }
    token = body.metadata?.continue ?? "";
  } while (token);
  return { rewritten, gone };
}

export async function rotateSecretsKey(o: RotateOptions): Promise<{ key: string; rewritten: number; dropped: string[] }> {
  const file = path.join(o.dataDir, ENCRYPTION_CONFIG_FILE);
  const { config, key } = withNewWriteKey(await readConfig(file), "secrets");
  await install(file, config, o);
  o.print(`added aesgcm key ${key.name} to ${file}: Secrets are now written with it`);
  const { rewritten, gone } = await rewriteSecrets(o.api);
  o.print(`re-encrypted ${rewritten} Secrets with ${key.name}${gone > 0 ? ` (${gone} deleted meanwhile)` : ""}`);
  if (!o.prune) {
    const older = withoutOldKeys(config, "secrets").dropped;
    if (older.length > 0) o.print(`kept the older keys ${older.join(", ")} (--prune drops them)`);
    return { key: key.name, rewritten, dropped: [] };
  }
  const pruned = withoutOldKeys(config, "secrets");
  await install(file, pruned.config, o);
  o.print(pruned.dropped.length > 0 ? `dropped the older keys ${pruned.dropped.join(", ")}` : "no older keys to drop");
  return { key: key.name, rewritten, dropped: pruned.dropped };
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`"${value}" is not a number of seconds`);
  return n;
}

export function registerSecretsCommand(program: Command): void {
  const secrets = program.command("secrets").description("encryption at rest of Secrets (<data-dir>/encryption-config.yaml)");
  secrets
    .command("rotate-key")
    .description("add a new aesgcm key first in this master's encryption config, re-encrypt every Secret with it, and with --prune drop the older keys")
    .option("--data-dir <dir>", "this master's data dir", DEFAULT_MASTER_DATA_DIR)
    .option("--kubeconfig <file>", "admin kubeconfig of this master's API", DEFAULT_ADMIN_KUBECONFIG)
    .option("--prune", "drop the older keys once every Secret is re-encrypted")
    .option("--timeout <seconds>", "how long to wait for the master to load the new config", seconds, 30)
    .action(async (opts: { dataDir: string; kubeconfig: string; prune?: boolean; timeout: number }) => {
      const admin = await adminClient(opts.kubeconfig);
      await rotateSecretsKey({ dataDir: opts.dataDir, api: admin.api, prune: opts.prune === true, timeoutMs: opts.timeout * 1000, print: (l) => console.log(l) });
    });
}
