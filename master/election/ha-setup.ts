// What a master needs to be one of several (README.md "HA"): the shared cluster and etcd CAs, the etcd
// cluster it belongs to (static `--initial-cluster`; `--join` is member-join.ts), and the client
// URLs of every member, so its store survives a brief outage of its own member.

import { stat } from "node:fs/promises";
import path from "node:path";
import type { Etcd3, IMember } from "etcd3";
import { installCa } from "../pki/ca-install";
import { readPair } from "../pki/files";
import { installServiceAccountKeys, readServiceAccountKeys } from "../pki/service-account-keys";
import type { CertKeyPair } from "../pki/types";

/**
 * Copies the cluster CA (`ca.crt`, `ca.key`) and the etcd CA (`etcd/ca.crt`, `etcd/ca.key`) from
 * `caDir` (e.g. the first master's `<data-dir>/pki`) into `pkiDir`, unless `pkiDir` already has
 * them, and the service-account key pair (`sa.key`, `sa.pub`) when `caDir` has one: tokens one
 * master signs must verify on every other. A different CA or key pair already in `pkiDir` is an
 * error: this master would belong to another cluster.
 */
export async function importClusterCa(caDir: string, pkiDir: string): Promise<"copied" | "present"> {
  const fix = "use a fresh --data-dir, or drop --ca-dir";
  const cluster = await readCa(caDir, "cluster CA");
  const etcd = await readCa(path.join(caDir, "etcd"), "etcd CA");
  const results = [await installCa(pkiDir, cluster, "cluster CA", fix), await installCa(path.join(pkiDir, "etcd"), etcd, "etcd CA", fix)];
  // After the CAs: a data dir of another cluster is refused before anything is written.
  const serviceAccountKeys = await readServiceAccountKeys(caDir);
  if (serviceAccountKeys) results.push(await installServiceAccountKeys(pkiDir, serviceAccountKeys, fix));
  return results.every((r) => r === "present") ? "present" : "copied";
}

async function readCa(dir: string, label: string): Promise<CertKeyPair> {
  const stored = await readPair(dir, "ca").catch(() => undefined);
  if (stored?.state !== "present") {
    throw new Error(`--ca-dir: the ${label} (${dir}/ca.crt and ca.key) must exist there; copy the first master's <data-dir>/pki (with its etcd/ folder)`);
  }
  return stored.pair;
}

/** `name=peerURL,...` → the members it names; throws on malformed entries. */
export function parseInitialCluster(value: string): { name: string; peerUrl: string }[] {
  const members = value.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "").map((entry) => {
    const eq = entry.indexOf("=");
    const name = entry.slice(0, eq);
    const peerUrl = entry.slice(eq + 1);
    if (eq <= 0 || !/^https?:\/\/[^/]+$/.test(peerUrl)) throw new Error(`--initial-cluster entry "${entry}" is not name=https://host:port`);
    // Members talk to each other only over TLS (master/store/etcd-tls.ts).
    if (peerUrl.startsWith("http:")) throw new Error(`--initial-cluster entry "${entry}": etcd peers talk TLS; use https://`);
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
