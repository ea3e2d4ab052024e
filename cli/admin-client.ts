// An API client from an admin kubeconfig (`/etc/gantry/admin.conf`), for the commands that
// talk to the API like kubeadm does: `gantry token`, `gantry init`. Reads embedded data or file
// paths, as kubectl does.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { ApiClient } from "../agent/api-client";

export interface AdminConnection {
  api: ApiClient;
  server: string;
  caPem: string;
}

export async function adminClient(kubeconfig: string): Promise<AdminConnection> {
  let text: string;
  try {
    text = await readFile(kubeconfig, "utf8");
  } catch (err) {
    throw new Error(`cannot read the admin kubeconfig ${kubeconfig}: ${(err as Error).message} (run this on a master, or pass --kubeconfig)`);
  }
  type Entry = Record<string, string>;
  const doc = parse(text) as { "current-context"?: string; contexts?: { name: string; context: Entry }[]; clusters?: { name: string; cluster: Entry }[]; users?: { name: string; user: Entry }[] } | null;
  const context = doc?.contexts?.find((c) => c.name === doc["current-context"])?.context ?? doc?.contexts?.[0]?.context;
  const cluster = doc?.clusters?.find((c) => c.name === context?.cluster)?.cluster ?? doc?.clusters?.[0]?.cluster;
  const user = doc?.users?.find((u) => u.name === context?.user)?.user ?? doc?.users?.[0]?.user;
  if (!cluster?.server || !user) throw new Error(`${kubeconfig} names no server or user`);
  const base = path.dirname(kubeconfig);
  const value = async (entry: Entry, key: string): Promise<string | undefined> => {
    if (entry[`${key}-data`]) return Buffer.from(entry[`${key}-data`], "base64").toString("utf8");
    if (entry[key]) return readFile(path.resolve(base, entry[key]), "utf8");
    return undefined;
  };
  const caPem = await value(cluster, "certificate-authority");
  const certPem = await value(user, "client-certificate");
  const keyPem = await value(user, "client-key");
  if (!caPem) throw new Error(`${kubeconfig} carries no cluster CA`);
  const credentials = certPem && keyPem ? { certPem, keyPem } : user.token ? { token: user.token } : undefined;
  if (!credentials) throw new Error(`${kubeconfig} carries no client certificate or token`);
  return { api: new ApiClient({ server: cluster.server, caPem, credentials: () => credentials }), server: cluster.server, caPem };
}
