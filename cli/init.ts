// `gantry init`: a new cluster on this host, kubeadm-style.
//
//   1. the PKI: the cluster CA and the etcd CA with their certificates (master/pki);
//   2. the master: a background daemon (startMaster below, the step systemd replaces), or in
//      this process with --foreground; wait until its API answers;
//   3. the admin kubeconfig (written by the master, default /etc/gantry/admin.conf);
//   4. a bootstrap token (24 h by default), and a wait until cluster-info carries its signature,
//      so the printed command works at once;
//   5. the certificate upload (unless --upload-certs=false): the CA material encrypted under a
//      certificate key in kube-system/gantry-certs for 2 hours (cli/certs.ts);
//   6. the join commands: for agents, and with the certificate key for more masters.
//
// Running it again on the same data dir reuses the PKI and the cluster (a running master is left
// as it is) and prints a fresh token.

import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { CLUSTER_INFO_NAME, CLUSTER_INFO_NAMESPACE, jwsKey } from "../api/bootstrap/cluster-info";
import type { BootstrapToken } from "../api/bootstrap/token";
import { ApiClient } from "../agent/api-client";
import { ensureClusterPki, ensureEtcdPki } from "../master/pki";
import { parseCertificateKey } from "../api/bootstrap/cert-upload";
import { adminClient } from "./admin-client";
import { certificateKeyNote, uploadCerts } from "./certs";
import { alive, logTail, startDaemon } from "./daemon";
import { addMasterFlags, DEFAULT_ADMIN_KUBECONFIG, masterFlagArgs, runMasterProcess, type MasterFlags } from "./master";
import { createToken, joinCommand, tokenTtl } from "./token";

/** How to run the master `gantry init` and `gantry join --control-plane` start. */
export interface MasterDaemonFlags extends MasterFlags {
  adminKubeconfig: string;
  foreground?: boolean;
  pidFile: string;
  logFile: string;
}

interface InitFlags extends MasterDaemonFlags {
  tokenTtl: number;
  uploadCerts: boolean;
  certificateKey?: string;
}

export function registerInitCommand(program: Command): void {
  addMasterFlags(program.command("init").description("create a cluster: PKI, a master, the admin kubeconfig, a bootstrap token, and the join commands"))
    .option("--admin-kubeconfig <file>", "where to write the admin kubeconfig", DEFAULT_ADMIN_KUBECONFIG)
    .option("--token-ttl <duration>", "lifetime of the bootstrap token printed for joining", tokenTtl, 24 * 3600 * 1000)
    .option("--foreground", "run the master in this process instead of as a background daemon")
    .option("--pid-file <file>", "pid file of the background master", "/run/gantry/master.pid")
    .option("--log-file <file>", "log of the background master", "/var/log/gantry/master.log")
    .option("--no-upload-certs", "do not upload the CA material for `gantry join --control-plane` (`gantry certs upload` does it later)")
    .option("--certificate-key <key>", "encrypt the uploaded certificates under this key (64 hex characters) instead of a new one")
    .action(async (opts: InitFlags) => {
      if (opts.certificateKey !== undefined) parseCertificateKey(opts.certificateKey);
      await init(opts);
    });
}

async function init(f: InitFlags): Promise<void> {
  const ttlMs = f.tokenTtl;
  const pkiDir = path.join(f.dataDir, "pki");
  const names = { hostnames: [], ips: f.advertiseAddress === "0.0.0.0" ? [] : [f.advertiseAddress] };
  const pki = await ensureClusterPki(pkiDir, names);
  await ensureEtcdPki(pkiDir, { name: f.name, names });
  console.log(`[certs] cluster CA and etcd CA in ${pkiDir}`);

  await startMaster(f, pki.caCert);
  console.log(`[kubeconfig] the admin kubeconfig is ${f.adminKubeconfig}`);

  const admin = await adminClient(f.adminKubeconfig);
  const token = await createToken(admin.api, { ttlMs, description: "created by gantry init" });
  await waitForSignature(admin.server, admin.caPem, token);
  const lifetime = ttlMs === 0 ? "that never expires" : `valid for ${Math.round(ttlMs / 60_000)} minutes`;
  console.log(`[bootstrap-token] created a bootstrap token ${lifetime}; cluster-info is signed with it`);
  const key = f.uploadCerts ? await uploadCerts(admin.api, f.dataDir, f.certificateKey) : undefined;
  if (key) console.log(`${certificateKeyNote(key)}\n`);

  console.log("\nYour Gantry control plane has initialized successfully!\n");
  console.log("To use kubectl:\n");
  console.log(`  export KUBECONFIG=${f.adminKubeconfig}\n`);
  // Agents first: scripts/up.sh takes the first `gantry join` line.
  console.log("Join any number of agent hosts by running this on each, as root:\n");
  console.log(`  ${joinCommand(admin.server, admin.caPem, token)}\n`);
  if (key) {
    console.log("Join any number of further masters by running this on each, as root (add --advertise-address <its address>):\n");
    console.log(`  ${joinCommand(admin.server, admin.caPem, token, key)}\n`);
  } else {
    console.log("To join more masters, upload the certificates first (`gantry certs upload`) and add --control-plane --certificate-key <key> to the command above.\n");
  }
}

/**
 * Starts the master and resolves once its API answers with the cluster CA and the admin
 * kubeconfig is written. The one step systemd units (`gantry install`) replace.
 */
export async function startMaster(f: MasterDaemonFlags, caPem: string): Promise<void> {
  const server = `https://${f.advertiseAddress === "0.0.0.0" ? "127.0.0.1" : f.advertiseAddress}:${f.port}`;
  if (f.foreground) {
    await runMasterProcess(f);
    return;
  }
  const { pid, started, where } = await startDaemon({ role: "master", args: masterFlagArgs(f), pidFile: f.pidFile, logFile: f.logFile });
  console.log(started ? `[master] started gantry master (${where})` : `[master] gantry master is already running (${where})`);
  const api = new ApiClient({ server, caPem, timeoutMs: 2_000 });
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (!alive(pid)) throw new Error(`gantry master exited; last lines of ${f.logFile}:\n${await logTail(f.logFile)}`);
    const ready = await api.request("GET", "/readyz").then((a) => a.status === 200, () => false);
    if (ready && (await writtenFor(f.adminKubeconfig, caPem))) return;
    if (Date.now() > deadline) throw new Error(`gantry master did not become ready in 180 s; see ${f.logFile}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Whether `kubeconfig` exists and carries this cluster's CA (not a stale one of an earlier cluster). */
async function writtenFor(kubeconfig: string, caPem: string): Promise<boolean> {
  const text = await readFile(kubeconfig, "utf8").catch(() => "");
  return text.includes(Buffer.from(caPem, "utf8").toString("base64"));
}

/** Waits until the bootstrap signer has signed cluster-info with `token` (anonymous read, CA verified). */
async function waitForSignature(server: string, caPem: string, token: BootstrapToken): Promise<void> {
  const api = new ApiClient({ server, caPem, timeoutMs: 5_000 });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answer = await api.request("GET", `/api/v1/namespaces/${CLUSTER_INFO_NAMESPACE}/configmaps/${CLUSTER_INFO_NAME}`).catch(() => undefined);
    const data = (answer?.body as { data?: Record<string, string> } | undefined)?.data ?? {};
    if (answer?.status === 200 && data[jwsKey(token.id)]) return;
    if (Date.now() > deadline) throw new Error(`cluster-info was not signed with token ${token.id} within 60 s; is the master leading? (kubectl -n kube-public get configmap cluster-info -o yaml)`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
