// What a master needs to be one of several (README.md "HA"): the shared cluster CA, the etcd
// cluster it belongs to (static `--initial-cluster`; `--join` is member-join.ts), and the client
// URLs of every member, so its store survives a brief outage of its own member.

import { X509Certificate } from "node:crypto";
import { copyFile, mkdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { Etcd3, IMember } from "etcd3";
import { SERVICE_ACCOUNT_KEY_FILES } from "../pki";

/**
 * Copies the cluster CA (`ca.crt`, `ca.key`) from `caDir` (e.g. the first master's
 * `<data-dir>/pki`) into `pkiDir`, unless `pkiDir` already has it, and with it the
 * service-account key pair (`sa.key`, `sa.pub`) when `caDir` has one: tokens one master signs
 * must verify on every other. A different CA already in `pkiDir` is an error: this master would
 * belong to another cluster.
 */
export async function importClusterCa(caDir: string, pkiDir: string): Promise<"copied" | "present"> {
  const from = { crt: path.join(caDir, "ca.crt"), key: path.join(caDir, "ca.key") };
  const to = { crt: path.join(pkiDir, "ca.crt"), key: path.join(pkiDir, "ca.key") };
  let sourceCert: string;
  try {
    sourceCert = await readFile(from.crt, "utf8");
    await stat(from.key);
  } catch {
    throw new Error(`--ca-dir ${caDir}: ca.crt and ca.key must both exist there (copy them from the first master's <data-dir>/pki)`);
  }
  const existing = await readFile(to.crt, "utf8").catch(() => undefined);
  if (existing !== undefined) {
    if (new X509Certificate(existing).fingerprint256 !== new X509Certificate(sourceCert).fingerprint256) {
      throw new Error(`${to.crt} is another CA than ${from.crt}; this data dir belongs to another cluster (use a fresh --data-dir, or drop --ca-dir)`);
    }
    return "present";
  }
  await mkdir(pkiDir, { recursive: true, mode: 0o700 });
  // Key first, as master/pki does: a certificate on disk always has its key beside it.
  for (const file of SERVICE_ACCOUNT_KEY_FILES) {
    await copyFile(path.join(caDir, file), path.join(pkiDir, file)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
  }
  await copyFile(from.key, to.key);
  await copyFile(from.crt, to.crt);
  return "copied";
}

/** `name=peerURL,...` → the members it names; throws on malformed entries. */
export function parseInitialCluster(value: string): { name: string; peerUrl: string }[] {
  const members = value.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "").map((entry) => {
    const eq = entry.indexOf("=");
    const name = entry.slice(0, eq);
    const peerUrl = entry.slice(eq + 1);
    if (eq <= 0 || !/^https?:\/\/[^/]+$/.test(peerUrl)) throw new Error(`--initial-cluster entry "${entry}" is not name=http://host:port`);
    return { name, peerUrl };
  });
  const names = members.map((m) => m.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new Error(`--initial-cluster names member "${duplicate}" twice; member names must be unique`);
  return members;
}

/** The `--initial-cluster` value for a member being added: every current member plus itself. */
export function initialClusterFor(members: IMember[], self: { name: string; peerUrl: string }): string {
  const entries: string[] = [];
  for (const m of members) {
    // The member MemberAdd just created has no name until it starts: that one is us.
    const name = m.name || (m.peerURLs.includes(self.peerUrl) ? self.name : "");
    if (!name) continue;
    for (const url of m.peerURLs) entries.push(`${name}=${url}`);
  }
  if (!entries.some((e) => e === `${self.name}=${self.peerUrl}`)) entries.push(`${self.name}=${self.peerUrl}`);
  return entries.join(",");
}

/** Client URLs of every started member, `local` first. */
export async function memberClientUrls(client: Etcd3, local: string): Promise<string[]> {
  const { members } = await client.cluster.memberList({});
  const urls = members.flatMap((m) => m.clientURLs);
  return [local, ...urls.filter((u) => u !== local)].filter((u, i, all) => all.indexOf(u) === i);
}

/** True when etcd has already initialised a member in `etcdDataDir` (flags like --initial-cluster are then ignored). */
export async function memberExists(etcdDataDir: string): Promise<boolean> {
  try {
    return (await stat(path.join(etcdDataDir, "member"))).isDirectory();
  } catch {
    return false;
  }
}
