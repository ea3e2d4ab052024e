// `gantry master`: one control-plane member. It supervises its own etcd member, keeps the
// cluster's certificates in its data dir, serves the Kubernetes API, and runs the controllers.
// Everything it knows lives in etcd, so a restart with the same data dir loses nothing.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { ApiContext } from "./apiserver/context";
import { ApiServer } from "./apiserver/server";
import type { User } from "./apiserver/auth";
import { ensureKubernetesService, ensureSystemNamespaces } from "./bootstrap";
import type { LeaderComponent } from "./component";
import { buildLeaderComponents } from "./leader-components";
import { ensureClusterPki, writeKubeconfig } from "./pki";
import { EtcdProcess } from "./store/etcd-process";
import { EtcdStore } from "./store/etcd-store";
import type { Logger } from "./log";

export interface MasterOptions {
  dataDir: string;
  /** Address the API listens on (default 0.0.0.0) and the one written into kubeconfigs. */
  bindAddress: string;
  advertiseAddress: string;
  port: number;
  etcdName: string;
  etcdClientPort: number;
  etcdPeerPort: number;
  /** Extra copy of the admin kubeconfig, e.g. /etc/gantry/admin.conf. */
  adminKubeconfig?: string;
  log: Logger;
}

export class Master {
  private etcd?: EtcdProcess;
  private store?: EtcdStore;
  private api?: ApiServer;
  private components: LeaderComponent[] = [];
  private ctx?: ApiContext;
  port = 0;

  constructor(readonly options: MasterOptions) {}

  get kubeconfigPath(): string {
    return path.join(this.options.dataDir, "admin.conf");
  }

  async start(): Promise<void> {
    const o = this.options;
    await mkdir(o.dataDir, { recursive: true, mode: 0o700 });

    this.etcd = new EtcdProcess({
      dataDir: path.join(o.dataDir, "etcd"),
      name: o.etcdName,
      host: o.advertiseAddress,
      clientPort: o.etcdClientPort,
      peerPort: o.etcdPeerPort,
      log: (line: string) => o.log.debug({ etcd: line }),
    });
    this.etcd.on("restarting", (info) => o.log.warn({ info }, "etcd exited; restarting it"));
    await this.etcd.start();
    this.store = new EtcdStore({ endpoints: [`http://${o.advertiseAddress}:${o.etcdClientPort}`] });

    const pki = await ensureClusterPki(path.join(o.dataDir, "pki"), { hostnames: [], ips: [o.advertiseAddress] });
    const tokens = await loadTokens(path.join(o.dataDir, "tokens.json"));

    const ctx = new ApiContext(this.store);
    this.ctx = ctx;
    await ensureSystemNamespaces(ctx);
    await ctx.namespaces.start();
    await ensureKubernetesService(ctx);
    this.api = new ApiServer(
      { host: o.bindAddress, port: o.port, tls: { certPem: pki.apiserverCert, keyPem: pki.apiserverKey, caPem: pki.caCert }, tokens },
      ctx,
      { health: (verbose) => this.health(verbose) },
    );
    this.port = await this.api.listen();

    const server = `https://${o.advertiseAddress === "0.0.0.0" ? "127.0.0.1" : o.advertiseAddress}:${this.port}`;
    const kubeconfig = { server, caPem: pki.caCert, clientCertPem: pki.adminCert, clientKeyPem: pki.adminKey };
    await writeKubeconfig(this.kubeconfigPath, kubeconfig);
    if (o.adminKubeconfig) {
      await mkdir(path.dirname(o.adminKubeconfig), { recursive: true });
      await writeKubeconfig(o.adminKubeconfig, kubeconfig);
    }

    // Single master: it is the leader. (Leader election replaces this with campaign/resign.)
    this.components = buildLeaderComponents({ ctx, log: o.log });
    for (const c of this.components) await c.start();
    o.log.info({ server, dataDir: o.dataDir }, "master ready");
  }

  private async health(verbose: boolean): Promise<{ ok: boolean; text: string }> {
    const checks: [string, boolean][] = [];
    try {
      await this.store!.currentRevision();
      checks.push(["etcd", true]);
    } catch {
      checks.push(["etcd", false]);
    }
    const ok = checks.every(([, pass]) => pass);
    if (!verbose) return { ok, text: ok ? "ok" : "not ready" };
    const lines = checks.map(([name, pass]) => `[${pass ? "+" : "-"}]${name} ${pass ? "ok" : "failed"}`);
    return { ok, text: `${lines.join("\n")}\n${ok ? "readyz check passed" : "readyz check failed"}\n` };
  }

  async stop(): Promise<void> {
    for (const c of [...this.components].reverse()) await c.stop();
    await this.ctx?.namespaces.stop();
    await this.api?.close();
    await this.store?.close();
    await this.etcd?.stop();
  }
}

/** Bearer tokens: `{ "<token>": { "name": "...", "groups": [...] } }`; an admin token is made on first start. */
async function loadTokens(file: string): Promise<Map<string, User>> {
  let entries: Record<string, User>;
  try {
    entries = JSON.parse(await readFile(file, "utf8")) as Record<string, User>;
  } catch {
    entries = { [randomBytes(24).toString("hex")]: { name: "kubernetes-admin", groups: ["system:masters"] } };
    await writeFile(file, JSON.stringify(entries, null, 2), { mode: 0o600 });
  }
  return new Map(Object.entries(entries));
}
