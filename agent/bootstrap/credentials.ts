// The node's credentials on disk (JOIN-PLAN.md "Files on an agent host"):
//
//   <kubeconfig> (default /etc/gantry/agent.conf, 0600)  server, and paths of the files below
//   <agent data-dir>/pki/ca.crt                           the cluster CA (pinned at join)
//   <agent data-dir>/pki/node-client.{crt,key}            system:node:<name> in system:nodes
//   <agent data-dir>/pki/node-serving.{crt,key}           the gRPC port's serving certificate
//
// The kubeconfig points at the files rather than embedding them, so renewing a certificate
// replaces two files (key first, each by an atomic rename) and nothing else; kubectl can use it
// as it is. Private keys are 0600, the directory 0700.

import { randomBytes, X509Certificate } from "node:crypto";
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { parse, stringify } from "yaml";

export interface CertPair {
  certPem: string;
  keyPem: string;
}

export type CertName = "node-client" | "node-serving";

export interface CredentialFiles {
  kubeconfig: string;
  pkiDir: string;
}

export interface LoadedCredentials extends CredentialFiles {
  server: string;
  caPem: string;
  client: CertPair;
  /** undefined until the serving certificate has been issued. */
  serving?: CertPair;
}

export function certFile(pkiDir: string, name: CertName | "ca"): string {
  return path.join(pkiDir, `${name}.crt`);
}

export function keyFile(pkiDir: string, name: CertName): string {
  return path.join(pkiDir, `${name}.key`);
}

/** Writes what `gantry join` obtained: the CA, the client certificate and the kubeconfig naming them. */
export async function writeJoinCredentials(files: CredentialFiles, o: { server: string; caPem: string; client: CertPair; nodeName: string }): Promise<void> {
  await mkdir(files.pkiDir, { recursive: true, mode: 0o700 });
  await writeAtomic(certFile(files.pkiDir, "ca"), o.caPem, 0o644);
  await writePair(files.pkiDir, "node-client", o.client);
  const user = `system:node:${o.nodeName}`;
  const kubeconfig = stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "gantry", cluster: { server: o.server, "certificate-authority": certFile(files.pkiDir, "ca") } }],
      users: [{ name: user, user: { "client-certificate": certFile(files.pkiDir, "node-client"), "client-key": keyFile(files.pkiDir, "node-client") } }],
      contexts: [{ name: "gantry-agent", context: { cluster: "gantry", user } }],
      "current-context": "gantry-agent",
      preferences: {},
    },
    { lineWidth: 0 },
  );
  await mkdir(path.dirname(files.kubeconfig), { recursive: true });
  await writeAtomic(files.kubeconfig, kubeconfig, 0o600);
}

/** Reads the kubeconfig `gantry join` wrote and the files it names. */
export async function loadCredentials(kubeconfig: string): Promise<LoadedCredentials> {
  let text: string;
  try {
    text = await readFile(kubeconfig, "utf8");
  } catch (err) {
    throw new Error(`cannot read ${kubeconfig} (${(err as Error).message}): join the cluster first with \`gantry join\``);
  }
  const doc = parse(text) as { clusters?: { cluster?: Record<string, string> }[]; users?: { user?: Record<string, string> }[] } | null;
  const cluster = doc?.clusters?.[0]?.cluster ?? {};
  const user = doc?.users?.[0]?.user ?? {};
  const caFile = cluster["certificate-authority"];
  if (!cluster.server || !caFile || !user["client-certificate"] || !user["client-key"]) {
    throw new Error(`${kubeconfig} does not name a server, CA and client certificate files; join the cluster again with \`gantry join\``);
  }
  const pkiDir = path.dirname(user["client-certificate"]);
  const client = { certPem: await readFile(user["client-certificate"], "utf8"), keyPem: await readFile(user["client-key"], "utf8") };
  const expires = new Date(new X509Certificate(client.certPem).validTo);
  if (expires.getTime() <= Date.now()) throw new Error(`the node's client certificate expired on ${expires.toISOString()}; join the cluster again with \`gantry join\``);
  return { kubeconfig, pkiDir, server: cluster.server, caPem: await readFile(caFile, "utf8"), client, serving: await readPairIfPresent(pkiDir, "node-serving") };
}

/** Replaces a certificate and its key: key first, so a certificate on disk always has its key. */
export async function writePair(pkiDir: string, name: CertName, pair: CertPair): Promise<void> {
  await writeAtomic(keyFile(pkiDir, name), pair.keyPem, 0o600);
  await writeAtomic(certFile(pkiDir, name), pair.certPem, 0o644);
}

async function readPairIfPresent(pkiDir: string, name: CertName): Promise<CertPair | undefined> {
  try {
    return { certPem: await readFile(certFile(pkiDir, name), "utf8"), keyPem: await readFile(keyFile(pkiDir, name), "utf8") };
  } catch {
    return undefined;
  }
}

async function writeAtomic(file: string, data: string, mode: number): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await writeFile(tmp, data, { mode, flag: "wx", flush: true });
    await chmod(tmp, mode);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
