// `gantry master`: one control-plane member. It supervises its own etcd member, keeps the
// cluster's certificates in its data dir, serves the Kubernetes API, and campaigns for
// leadership; while it leads it runs the leader components (scheduler, controllers,
// dispatcher). Everything it knows lives in etcd, so a restart with the same data dir loses
// nothing. One master or three: see master/election/README.md.

import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { ApiContext } from "./registry/context";
import { ApiServer } from "./apiserver/server";
import { ApiserverIdentityLease } from "./apiserver-identity";
import { isEndpointAddress } from "./controllers/kubernetes-endpoints-core";
import { useAgentTransport } from "./apiserver/streaming/agent-access";
import { attachStreaming } from "./apiserver/streaming/upgrade";
import type { User } from "./auth/user";
import { ensureDefaultRbacPolicy, ensureKubeDnsService, ensureKubernetesService, ensureSystemNamespaces } from "./bootstrap";
import type { ComponentDeps } from "./component";
import {
  ComponentRunner,
  EtcdElectionBackend,
  importClusterCa,
  joinCluster,
  LeaderElection,
  LEASE_NAME,
  LeaseObjectPublisher,
  memberClientUrls,
  memberExists,
  memberIsLearner,
  parseInitialCluster,
  promoteToVoter,
  timingForTtl,
  WarmStandby,
  type Leadership,
} from "./election";
import { ClusterNetwork, type ClusterNetworkFlags } from "./cluster-network";
import { mutualTlsTransport } from "./dispatch/agent-transport";
import { buildLeaderComponents, standbyResources } from "./leader-components";
import { writeMemberRecord } from "./member-record";
import { ensureClusterPki, ensureEtcdPki, ensureMasterAgentClient, ensureServiceAccountKeys, writeKubeconfig, type EtcdPki } from "./pki";
import { TokenIssuer, type IssuerOptions } from "./auth/token-issuer";
import { DEFAULT_ISSUER } from "../api/serviceaccounts/names";
import { registerTokenMinter, TokenMinter } from "./serviceaccounts/token-minter";
import { peerUrlOf } from "./store/etcd-args";
import { EtcdProcess } from "./store/etcd-process";
import { EtcdStore } from "./store/etcd-store";
import { apiserverEtcdClient, etcdTlsFiles, healthcheckClient, type EtcdClientTls } from "./store/etcd-tls";
import { MasterMetrics } from "./metrics/master-metrics";
import { EncryptionAtRest } from "./store/encryption/encryption-at-rest";
import { ENCRYPTION_CONFIG_FILE } from "./store/encryption/encryption-config";
import { importEncryptionConfig } from "./store/encryption/shared-config";
import type { Logger } from "./log";
import type { PodSecurityConfig } from "./pod-security/config";

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
  /**
   * HA, static bootstrap: `name=peerURL,...` of every member, this one (`etcdName`) included.
   * All members start with the same value. Default: a one-member cluster.
   */
  initialCluster?: string;
  /** HA, growing a running cluster: client URLs (https) of its members; this master adds itself (MemberAdd). */
  join?: string[];
  /** Client URLs the store uses. Default: the local member first, then every member etcd lists. */
  etcdServers?: string[];
  /** Directory holding the cluster CA (ca.crt, ca.key) and the etcd CA (etcd/ca.crt, etcd/ca.key) to copy in on first start; masters of one cluster share them. */
  caDir?: string;
  /** TTL of the leader lease. Default 10. */
  leaderLeaseTtlSeconds?: number;
  /** Heartbeat grace before a node is NotReady (default 40 s). */
  nodeMonitorGracePeriodSeconds?: number;
  /** --cluster-cidr, --node-cidr-mask-size, --service-cluster-ip-range (cluster-network.ts). */
  network?: ClusterNetworkFlags;
  /** Longest certificate the CSR signer issues (default one year; tests use minutes). */
  clusterSigningDurationSeconds?: number;
  /** The API URL kube-public/cluster-info publishes to joining hosts. Default: https://<advertise address>:<port>. */
  controlPlaneEndpoint?: string;
  /** Time between etcd compactions by the leader (default 5 min); 0 turns compaction off. */
  etcdCompactionIntervalMs?: number;
  /** Pod Security admission's defaults and exemptions (default: enforce baseline, warn restricted, kube-system exempt). */
  podSecurity?: PodSecurityConfig;
  /** Service-account tokens: issuer, API audiences, longest lifetime. Default: DEFAULT_ISSUER for both, no maximum. */
  serviceAccounts?: IssuerOptions;
  log: Logger;
}

export class Master {
  private etcd?: EtcdProcess;
  private etcdTls?: EtcdClientTls;
  private store?: EtcdStore;
  private api?: ApiServer;
  private election?: LeaderElection;
  private standby?: WarmStandby;
  private ctx?: ApiContext;
  private encryption?: EncryptionAtRest;
  private identity?: ApiserverIdentityLease;
  port = 0;

  constructor(readonly options: MasterOptions) {}

  get kubeconfigPath(): string {
    return path.join(this.options.dataDir, "admin.conf");
  }

  /** The election: who leads, this master's epoch, and a signal when it stops leading. Set by start(). */
  get leadership(): Leadership | undefined {
    return this.election;
  }

  async start(): Promise<void> {
    const o = this.options;
    await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
    if (o.initialCluster !== undefined && o.join !== undefined) throw new Error("--initial-cluster and --join exclude each other: bootstrap a new cluster or join a running one");
    const network = ClusterNetwork.from(o.network);

    // The encryption config before the CA: other masters of a new cluster wait for the CA, then copy both.
    if (o.caDir) await importEncryptionConfig(o.caDir, o.dataDir);
    const encryption = await EncryptionAtRest.open(path.join(o.dataDir, ENCRYPTION_CONFIG_FILE), {
      info: (msg, fields) => o.log.info(fields ?? {}, msg),
      warn: (msg, fields) => o.log.warn(fields ?? {}, msg),
    });
    this.encryption = encryption;
    encryption.watch();

    // Certificates first: they need no etcd, and other masters of a new cluster may be
    // waiting for this one's CAs (README "HA"). Every link is TLS: etcd's member certificates
    // name this master's address; agents are dialled with the master's own client certificate.
    const pkiDir = path.join(o.dataDir, "pki");
    if (o.caDir) await importClusterCa(o.caDir, pkiDir);
    // Before the CA, so that a master copying this one's CA finds the token key beside it.
    const serviceAccountKeys = await ensureServiceAccountKeys(pkiDir);
    const pki = await ensureClusterPki(pkiDir, { hostnames: [], ips: [o.advertiseAddress, network.kubernetesServiceIP] });
    const issuer = await TokenIssuer.create(serviceAccountKeys, o.serviceAccounts ?? { issuer: DEFAULT_ISSUER, apiAudiences: [DEFAULT_ISSUER] });
    const etcdPki = await ensureEtcdPki(pkiDir, { name: o.etcdName, names: { hostnames: [], ips: [o.advertiseAddress] } });
    this.etcdTls = apiserverEtcdClient(etcdPki);
    const agentClient = await ensureMasterAgentClient(pkiDir, pki, o.etcdName);

    await this.startEtcd(pkiDir, etcdPki);
    const endpoints = await this.storeEndpoints();
    // One registry per master (several may share a test process); served at /metrics.
    const metrics = new MasterMetrics();
    metrics.collectProcessMetrics();
    this.store = new EtcdStore({ endpoints, tls: this.etcdTls, metrics: metrics.etcd, transformer: encryption });
    await writeMemberRecord(o.dataDir, { name: o.etcdName, clientUrl: this.etcd!.clientUrl, peerUrl: this.etcd!.peerUrl, endpoints });

    const tokens = await loadTokens(path.join(o.dataDir, "tokens.json"));
    // Agents join with bootstrap tokens now; the shared agent token of older data dirs is void.
    await rm(path.join(o.dataDir, "agent.token"), { force: true });

    const ctx = new ApiContext(this.store, undefined, undefined, network, { metrics });
    if (o.podSecurity) ctx.podSecurity = o.podSecurity;
    ctx.podSecurity.audit = (record) => o.log.info({ podSecurityAudit: record }, "Pod Security audit");
    this.ctx = ctx;
    registerTokenMinter(ctx, new TokenMinter(issuer, () => ctx.clock.now()));
    await ensureSystemNamespaces(ctx);
    await ensureDefaultRbacPolicy(ctx);
    await ctx.namespaces.start();
    await ensureKubernetesService(ctx);
    // Not worth refusing to start over: the kube-dns endpoints controller keeps trying.
    await ensureKubeDnsService(ctx).catch((err) => o.log.error({ err }, "creating the cluster DNS Service kube-system/kube-dns failed"));
    this.api = new ApiServer(
      {
        host: o.bindAddress,
        port: o.port,
        tls: { certPem: pki.apiserverCert, keyPem: pki.apiserverKey, caPem: pki.caCert },
        tokens,
        serviceAccountIssuer: issuer,
        log: (msg, err) => o.log.warn({ err }, msg),
      },
      ctx,
      { health: (verbose) => this.health(verbose) },
    );
    const agentTransport = mutualTlsTransport({ caPem: pki.caCert, certPem: agentClient.certPem, keyPem: agentClient.keyPem });
    useAgentTransport(ctx, agentTransport);
    attachStreaming(this.api, ctx);
    this.port = await this.api.listen();
    // Pods reach the API at the kubernetes Service; its endpoints are the masters that say so here.
    this.identity = new ApiserverIdentityLease(ctx, o.etcdName, `${o.advertiseAddress}:${this.port}`, o.log);
    this.identity.start();
    if (!isEndpointAddress(o.advertiseAddress)) {
      o.log.warn({ advertiseAddress: o.advertiseAddress }, "the advertise address is not one pods can reach (loopback, unspecified or link-local): this master is left out of the kubernetes Service's endpoints; advertise the host's own address");
    }

    const server = `https://${o.advertiseAddress === "0.0.0.0" ? "127.0.0.1" : o.advertiseAddress}:${this.port}`;
    const kubeconfig = { server, caPem: pki.caCert, clientCertPem: pki.adminCert, clientKeyPem: pki.adminKey };
    await writeKubeconfig(this.kubeconfigPath, kubeconfig);
    if (o.adminKubeconfig) {
      await mkdir(path.dirname(o.adminKubeconfig), { recursive: true });
      await writeKubeconfig(o.adminKubeconfig, kubeconfig);
    }

    // Every master serves the API; only the elected leader runs the leader components. A single
    // master wins its own election at once, so start() returns with them running, as before.
    const ttl = o.leaderLeaseTtlSeconds ?? 10;
    const runner = new ComponentRunner(() => buildLeaderComponents(deps), o.log);
    const election = new LeaderElection({
      identity: o.etcdName,
      backend: new EtcdElectionBackend(this.store.client, () => performance.now()),
      handler: runner,
      publish: (epoch, acquired) => publisher.publish(epoch, acquired),
      timing: timingForTtl(ttl),
      log: o.log,
    });
    const publisher = new LeaseObjectPublisher(ctx, o.etcdName, ttl, (epoch) => election.epoch() === epoch, o.log);
    // `leadership` goes beyond ComponentDeps today; components that need the epoch read it from there.
    const settings = {
      nodeMonitorGracePeriodSeconds: o.nodeMonitorGracePeriodSeconds,
      etcdCompactionIntervalMs: o.etcdCompactionIntervalMs,
      clusterSigningDurationSeconds: o.clusterSigningDurationSeconds,
      clusterInfoServer: o.controlPlaneEndpoint ?? server,
    };
    const deps: ComponentDeps & { leadership: Leadership } = {
      ctx,
      log: o.log,
      leadership: election,
      etcd: this.store.client,
      etcdTls: this.etcdTls,
      agentTransport,
      settings,
      ca: { caCert: pki.caCert, caKey: pki.caKey },
    };
    this.election = election;
    // Full caches on every master, so whoever wins next starts its components without listing.
    this.standby = new WarmStandby(ctx, standbyResources(), o.log.child({ component: "warm-standby" }));
    this.standby.start();
    metrics.setLeader(LEASE_NAME, false);
    election.subscribe((status) => metrics.setLeader(LEASE_NAME, status.isLeader));
    await election.start();
    o.log.info({ server, dataDir: o.dataDir, name: o.etcdName, leader: election.status().leader?.identity ?? null }, "master ready");
  }

  private async startEtcd(pkiDir: string, etcdPki: EtcdPki): Promise<void> {
    const o = this.options;
    const tls = this.etcdTls;
    const etcdDir = path.join(o.dataDir, "etcd");
    const member = { dataDir: etcdDir, name: o.etcdName, host: o.advertiseAddress, clientPort: o.etcdClientPort, peerPort: o.etcdPeerPort, tls: etcdTlsFiles(pkiDir) };
    let initialCluster: string | undefined;
    let initialClusterState: "new" | "existing" = "new";
    if (o.initialCluster !== undefined) {
      const members = parseInitialCluster(o.initialCluster);
      if (!members.some((m) => m.name === o.etcdName)) throw new Error(`--initial-cluster does not name this master ("${o.etcdName}", see --name)`);
      initialCluster = o.initialCluster;
    } else if (o.join !== undefined && !(await memberExists(etcdDir))) {
      initialCluster = await joinCluster(o.join, { name: o.etcdName, peerUrl: peerUrlOf(member) }, tls);
      initialClusterState = "existing";
    }
    const clustered = initialCluster !== undefined || o.join !== undefined;
    this.etcd = new EtcdProcess({
      ...member,
      initialCluster,
      initialClusterState,
      healthClient: healthcheckClient(etcdPki),
      // A member of a new cluster is healthy only once a quorum of its peers has started.
      startTimeoutMs: clustered ? 300_000 : undefined,
      log: (line: string) => o.log.debug({ etcd: line }),
    });
    this.etcd.on("restarting", (info) => o.log.warn({ info }, "etcd exited; restarting it"));
    await this.etcd.start();
    // A joined member starts as a learner (member-join.ts); it serves no clients and counts
    // toward no quorum until promoted, so nothing else starts before. Also on restart: an
    // earlier run may have stopped between MemberAdd and the promotion.
    if (o.join !== undefined && (await memberIsLearner(this.etcd.clientUrl, tls))) {
      const t0 = performance.now();
      const result = await promoteToVoter(o.join, this.etcd.peerUrl, tls);
      o.log.info({ result, ms: Math.round(performance.now() - t0) }, "etcd member is a voter");
    }
  }

  /** The local member first, then `--etcd-servers` or every member etcd lists (also after a restart of a joined master). */
  private async storeEndpoints(): Promise<string[]> {
    const o = this.options;
    const local = this.etcd!.clientUrl;
    if (o.etcdServers !== undefined) return [local, ...o.etcdServers.filter((u) => u !== local)];
    const probe = new EtcdStore({ endpoints: [local], tls: this.etcdTls });
    try {
      return await memberClientUrls(probe.client, local);
    } finally {
      await probe.close();
    }
  }

  private async health(verbose: boolean): Promise<{ ok: boolean; text: string }> {
    const checks: [name: string, pass: boolean, detail?: string][] = [];
    try {
      await this.store!.currentRevision();
      checks.push(["etcd", true]);
    } catch {
      checks.push(["etcd", false]);
    }
    // Leading or following, a master serves the API; the check reports the election, never fails it.
    const election = this.election?.status();
    const role = election?.isLeader ? "leader" : "follower";
    checks.push(["leader-election", true, `(leader: ${election?.leader?.identity || "none"}, this master: ${role})`]);
    if (this.encryption) checks.push(["encryption-config", true, encryptionDetail(this.encryption)]);
    const ok = checks.every(([, pass]) => pass);
    if (!verbose) return { ok, text: ok ? "ok" : "not ready" };
    const lines = checks.map(([name, pass, detail]) => `[${pass ? "+" : "-"}]${name} ${pass ? "ok" : "failed"}${detail ? ` ${detail}` : ""}`);
    return { ok, text: `${lines.join("\n")}\n${ok ? "readyz check passed" : "readyz check failed"}\n` };
  }

  /** Reads `<data-dir>/encryption-config.yaml` again now (SIGHUP); it is also reloaded when it changes. */
  reloadEncryptionConfig(): Promise<void> {
    return this.encryption?.reload() ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    this.encryption?.stop();
    // First: stops the leader components and revokes the lease, so another master takes over now.
    await this.election?.stop();
    await this.standby?.stop();
    await this.identity?.stop();
    await this.ctx?.namespaces.stop();
    await this.api?.close();
    await this.store?.close();
    await this.etcd?.stop();
  }
}

/**
 * ensureKubernetesService for restarts and for masters starting together: creating the Service
 * again fails on its already-reserved ClusterIP (422, not AlreadyExists), so look first, and
 * when another master wins the race, wait for its Service to appear.
 */
/**
 * Static bearer tokens: `{ "<token>": { "name": "...", "groups": [...] } }`; an admin token is
 * made on first start. The `system:node-bootstrapper` entry older masters kept for agents is
 * dropped: agents join with bootstrap tokens and then use their node certificates.
 */
async function loadTokens(file: string): Promise<Map<string, User>> {
  let entries: Record<string, User>;
  try {
    entries = JSON.parse(await readFile(file, "utf8")) as Record<string, User>;
  } catch {
    entries = { [randomBytes(24).toString("hex")]: { name: "kubernetes-admin", groups: ["system:masters"] } };
    await writeFile(file, JSON.stringify(entries, null, 2), { mode: 0o600 });
  }
  const kept = Object.entries(entries).filter(([, u]) => u.name !== "system:node-bootstrapper");
  if (kept.length !== Object.keys(entries).length) await writeFile(file, JSON.stringify(Object.fromEntries(kept), null, 2), { mode: 0o600 });
  return new Map(kept);
}

/** `(sha256:…, secrets written with key2)`: `gantry secrets rotate-key` waits for its file's digest. */
function encryptionDetail(e: EncryptionAtRest): string {
  const { sha256, writeKeys } = e.status();
  return `(sha256:${sha256}, ${writeKeys.map((w) => `${w.resource} written with ${w.writeKey}`).join(", ")})`;
}
