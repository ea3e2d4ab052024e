// `gantry kubeconfig --user NAME [--group G ...]`: a kubeconfig for a person (or a tool) with a
// client certificate signed by the cluster CA — CN=NAME, O=each group — so an admin can hand out
// access that authorization then limits (kubeadm's `kubeconfig user`). Run on a master: it reads
// the CA from <data-dir>/pki and, unless --server is given, the API URL from the admin
// kubeconfig there. Valid for a year by default, never beyond the CA. Refuses system:masters
// unless --allow-masters. Writes to --out (mode 0600) or prints to stdout.

import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { readPair } from "../master/pki/files";
import { renderKubeconfig, writeKubeconfig, type KubeconfigOptions } from "../master/pki/kubeconfig";
import { issueUserCertificate } from "../master/pki/user-credentials";
import { parseGoDuration } from "./duration";
import { DEFAULT_MASTER_DATA_DIR } from "./master";

interface KubeconfigFlags {
  user: string;
  group: string[];
  out?: string;
  dataDir: string;
  server?: string;
  expiration?: string;
  allowMasters?: boolean;
}

export async function userKubeconfig(f: KubeconfigFlags): Promise<{ options: KubeconfigOptions; notAfter: Date }> {
  let validityMs: number | undefined;
  if (f.expiration !== undefined) {
    validityMs = parseGoDuration(f.expiration);
    if (validityMs === undefined) throw new Error(`--expiration ${f.expiration}: not a duration (e.g. 720h, 8760h)`);
  }
  const pkiDir = path.join(f.dataDir, "pki");
  const ca = await readPair(pkiDir, "ca");
  if (ca.state !== "present") throw new Error(`${pkiDir} holds no cluster CA (ca.crt, ca.key): run this on a master, or pass its --data-dir`);
  const server = f.server ?? (await adminServer(path.join(f.dataDir, "admin.conf")));
  const cert = await issueUserCertificate(ca.pair, { user: f.user, groups: f.group, validityMs, allowMasters: f.allowMasters });
  const options: KubeconfigOptions = { server, caPem: ca.pair.certPem, clientCertPem: cert.certPem, clientKeyPem: cert.keyPem, user: f.user, context: `${f.user}@gantry` };
  return { options, notAfter: cert.notAfter };
}

/** The API URL of the master's own admin kubeconfig. */
async function adminServer(file: string): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => {
    throw new Error(`cannot read ${file} to find the API URL: pass --server https://<host>:6443`);
  });
  const doc = parse(text) as { clusters?: { cluster?: { server?: string } }[] } | null;
  const server = doc?.clusters?.[0]?.cluster?.server;
  if (!server) throw new Error(`${file} names no server: pass --server https://<host>:6443`);
  return server;
}

export function registerKubeconfigCommand(program: Command): void {
  program
    .command("kubeconfig")
    .description("write a kubeconfig with a client certificate for a user (CN) and groups (O), signed by the cluster CA")
    .requiredOption("--user <name>", "the user name (certificate CN)")
    .option("--group <group>", "a group of the user (certificate O); repeatable", (g: string, all: string[]) => [...all, g], [] as string[])
    .option("--out <file>", "write the kubeconfig here (mode 0600) instead of printing it")
    .option("--data-dir <dir>", "this master's data dir (its pki/ holds the cluster CA)", DEFAULT_MASTER_DATA_DIR)
    .option("--server <url>", "the API URL to put in the kubeconfig (default: the one in <data-dir>/admin.conf)")
    .option("--expiration <duration>", "how long the certificate is valid, e.g. 720h (default 8760h, one year; never beyond the CA)")
    .option("--allow-masters", "allow --group system:masters, which bypasses all authorization")
    .action(async (f: KubeconfigFlags) => {
      const { options, notAfter } = await userKubeconfig(f);
      if (f.out === undefined) {
        process.stdout.write(renderKubeconfig(options));
        return;
      }
      await writeKubeconfig(f.out, options);
      console.error(`wrote ${f.out}: user ${f.user}${f.group.length > 0 ? `, groups ${f.group.join(", ")}` : ""}, valid until ${notAfter.toISOString()}`);
    });
}
