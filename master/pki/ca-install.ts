// Putting a cluster's CA into a new master's PKI directory: the files `--ca-dir` copies and those
// `gantry join --control-plane` downloads (certificate upload). A directory that already holds
// that same CA is left alone; one that holds another CA belongs to another cluster and is refused.

import { X509Certificate } from "node:crypto";
import { keyMatchesCert } from "./certs";
import { ensureDir, readPair, writePair } from "./files";
import type { CertKeyPair } from "./types";

/**
 * Writes `ca` as `ca.crt`/`ca.key` in `dir` unless the same CA is there. `label` names it in
 * errors ("cluster CA", "etcd CA"); `fix` says what the operator should do about a clash.
 */
export async function installCa(dir: string, ca: CertKeyPair, label: string, fix: string): Promise<"installed" | "present"> {
  const cert = new X509Certificate(ca.certPem);
  if (!cert.ca) throw new Error(`the ${label} to install is not a CA certificate`);
  if (!keyMatchesCert(ca)) throw new Error(`the ${label}'s key does not match its certificate`);
  const stored = await readPair(dir, "ca");
  if (stored.state === "present") {
    if (new X509Certificate(stored.pair.certPem).fingerprint256 !== cert.fingerprint256) {
      throw new Error(`${dir}/ca.crt is another ${label} than this cluster's; this data dir belongs to another cluster (${fix})`);
    }
    return "present";
  }
  if (stored.state === "partial") throw new Error(`${stored.present} exists but ${stored.missing} does not (${fix})`);
  await ensureDir(dir);
  await writePair(dir, "ca", ca);
  return "installed";
}
