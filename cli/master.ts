// `gantry master`: one control-plane member (master/master.ts). Its flags are shared with
// `gantry init`, which starts a master with them.

import { type Command, InvalidArgumentError, Option } from "commander";
import { Master, type MasterOptions } from "../master/master";
import { createLogger, type Logger } from "../master/log";
import { port } from "./agent";
import { DEFAULT_ISSUER } from "../api/serviceaccounts/names";
import { parseGoDuration } from "./duration";
import { addPodSecurityFlags, podSecurityConfig, podSecurityFlagArgs, type PodSecurityFlags } from "./pod-security-flags";

export const DEFAULT_MASTER_DATA_DIR = "/var/lib/gantry/master";
export const DEFAULT_ADMIN_KUBECONFIG = "/etc/gantry/admin.conf";

export interface MasterFlags extends PodSecurityFlags {
  dataDir: string;
  bindAddress: string;
  advertiseAddress: string;
  port: number;
  name: string;
  etcdClientPort: number;
  etcdPeerPort: number;
  adminKubeconfig?: string;
  initialCluster?: string;
  join?: string[];
  etcdServers?: string[];
  caDir?: string;
  leaderLeaseTtl: number;
  nodeMonitorGracePeriod: number;
  etcdCompactionInterval: number;
  clusterSigningDuration: number;
  controlPlaneEndpoint?: string;
  clusterCidr: string;
  nodeCidrMaskSize: number;
  serviceClusterIpRange: string;
  serviceAccountIssuer: string;
  apiAudiences?: string[];
  serviceAccountMaxTokenExpiration: number;
}

function urlList(value: string): string[] {
  const urls = value.split(",").map((u) => u.trim()).filter((u) => u !== "");
  for (const u of urls) if (!/^https:\/\/[^/]+\/?$/.test(u)) throw new InvalidArgumentError(`"${u}" is not a URL like https://10.0.0.1:2379 (etcd members serve TLS only)`);
  return urls;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2 || n > 300) throw new InvalidArgumentError("not a whole number of seconds between 2 and 300");
  return n;
}

function compactionInterval(value: string): number {
  const ms = parseGoDuration(value);
  if (ms === undefined || (ms !== 0 && ms < 1000)) throw new InvalidArgumentError('not a duration like "5m" or "90s" (0 turns compaction off; else at least 1s)');
  return ms;
}

function maskSize(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 30) throw new InvalidArgumentError("not a prefix length between 1 and 30");
  return n;
}

function audienceList(value: string): string[] {
  const audiences = value.split(",").map((a) => a.trim()).filter((a) => a !== "");
  if (audiences.length === 0) throw new InvalidArgumentError("name at least one audience");
  return audiences;
}

function maxTokenExpiration(value: string): number {
  const ms = parseGoDuration(value);
  if (ms === undefined || (ms !== 0 && ms < 1000)) throw new InvalidArgumentError('not a duration like "1h" or "48h" (0: no maximum; else at least 1s)');
  return Math.floor(ms / 1000);
}

function signingSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 60) throw new InvalidArgumentError("not a whole number of seconds, at least 60");
  return n;
}

/** The flags of `gantry master` (and `gantry init`). `adminKubeconfig` is the caller's to add. */
export function addMasterFlags(cmd: Command): Command {
  cmd
    .option("--data-dir <dir>", "where etcd data, certificates and tokens live", DEFAULT_MASTER_DATA_DIR)
    .option("--bind-address <ip>", "address the API listens on", "0.0.0.0")
    .option("--advertise-address <ip>", "address other hosts reach this master at", "127.0.0.1")
    .option("--port <port>", "API port", port, 6443)
    .option("--name <name>", "this master's name: its etcd member name and leader identity; unique per cluster", "master-0")
    .option("--etcd-client-port <port>", "etcd client port", port, 2379)
    .option("--etcd-peer-port <port>", "etcd peer port", port, 2380)
    .option("--initial-cluster <members>", "HA bootstrap: name=https://host:peer-port,... of every master (same on all; --name must be one of them)")
    .option("--join <urls>", "HA: add this master to the running cluster whose etcd client URLs (https://host:2379) are given, comma-separated; `gantry join --control-plane` does this for you", urlList)
    .option("--etcd-servers <urls>", "etcd client URLs the API uses (comma-separated); default: local member first, then every member's", urlList)
    .option("--ca-dir <dir>", "HA: copy the cluster CA (ca.crt, ca.key), the etcd CA (etcd/ca.crt, etcd/ca.key) and the service-account keys (sa.key, sa.pub) from here on first start, e.g. a copy of the first master's <data-dir>/pki");
  return addClusterSettingFlags(cmd);
}

/**
 * The flags that must agree across a cluster's masters (leader timing, certificate lifetimes, the
 * address plan). Shared with `gantry join --control-plane`, which starts a master with them.
 */
export function addClusterSettingFlags(cmd: Command): Command {
  cmd
    .option("--leader-lease-ttl <seconds>", "TTL of the leader lease; a dead leader is replaced after about this long (2 for takeovers of 2-3 s, see master/election/README.md)", seconds, 10)
    .option("--node-monitor-grace-period <seconds>", "a node whose agent sent no heartbeat for this long is NotReady", seconds, 40)
    .addOption(
      new Option("--etcd-compaction-interval <duration>", "the leader compacts etcd this often, keeping one interval of history (0 turns it off)")
        .argParser(compactionInterval)
        .default(300_000, "5m"),
    )
    .option("--cluster-signing-duration <seconds>", "longest certificate the CSR signer issues (node certificates)", signingSeconds, 365 * 24 * 3600)
    .option("--control-plane-endpoint <url>", "API URL published to joining hosts in kube-public/cluster-info (default https://<advertise-address>:<port>)")
    .option("--cluster-cidr <cidr>", "pod addresses of the whole cluster; each node gets one range of it", "10.244.0.0/16")
    .option("--node-cidr-mask-size <bits>", "prefix length of each node's pod range (spec.podCIDR)", maskSize, 24)
    .option("--service-cluster-ip-range <cidr>", "ClusterIPs of Services; the first is the kubernetes Service, the tenth the cluster DNS", "10.96.0.0/12")
    .option("--service-account-issuer <url>", "the iss claim of service-account tokens; tokens of another issuer are not accepted", DEFAULT_ISSUER)
    .option("--api-audiences <list>", "audiences a service-account token must name to reach this API (comma-separated; default: the issuer)", audienceList)
    .addOption(
      new Option("--service-account-max-token-expiration <duration>", "longest lifetime of a service-account token; longer requests are shortened (0: no maximum)")
        .argParser(maxTokenExpiration)
        .default(0, "0"),
    );
  return addPodSecurityFlags(cmd);
}

/** The same flags as arguments again, for starting `gantry master` from `gantry init`. */
export function masterFlagArgs(f: MasterFlags): string[] {
  const args = [
    "--data-dir", f.dataDir, "--bind-address", f.bindAddress, "--advertise-address", f.advertiseAddress, "--port", String(f.port), "--name", f.name,
    "--etcd-client-port", String(f.etcdClientPort), "--etcd-peer-port", String(f.etcdPeerPort),
    "--leader-lease-ttl", String(f.leaderLeaseTtl), "--node-monitor-grace-period", String(f.nodeMonitorGracePeriod), "--cluster-signing-duration", String(f.clusterSigningDuration),
    "--etcd-compaction-interval", f.etcdCompactionInterval === 0 ? "0" : `${f.etcdCompactionInterval}ms`,
    "--cluster-cidr", f.clusterCidr, "--node-cidr-mask-size", String(f.nodeCidrMaskSize), "--service-cluster-ip-range", f.serviceClusterIpRange,
    ...podSecurityFlagArgs(f),
  ];
  if (f.adminKubeconfig) args.push("--admin-kubeconfig", f.adminKubeconfig);
  if (f.initialCluster) args.push("--initial-cluster", f.initialCluster);
  if (f.join) args.push("--join", f.join.join(","));
  if (f.etcdServers) args.push("--etcd-servers", f.etcdServers.join(","));
  if (f.caDir) args.push("--ca-dir", f.caDir);
  if (f.controlPlaneEndpoint) args.push("--control-plane-endpoint", f.controlPlaneEndpoint);
  args.push("--service-account-issuer", f.serviceAccountIssuer, "--service-account-max-token-expiration", `${f.serviceAccountMaxTokenExpiration}s`);
  if (f.apiAudiences) args.push("--api-audiences", f.apiAudiences.join(","));
  return args;
}

export function masterOptions(f: MasterFlags, log: Logger): MasterOptions {
  return {
    dataDir: f.dataDir,
    bindAddress: f.bindAddress,
    advertiseAddress: f.advertiseAddress,
    port: f.port,
    etcdName: f.name,
    etcdClientPort: f.etcdClientPort,
    etcdPeerPort: f.etcdPeerPort,
    adminKubeconfig: f.adminKubeconfig,
    initialCluster: f.initialCluster,
    join: f.join,
    etcdServers: f.etcdServers,
    caDir: f.caDir,
    leaderLeaseTtlSeconds: f.leaderLeaseTtl,
    nodeMonitorGracePeriodSeconds: f.nodeMonitorGracePeriod,
    etcdCompactionIntervalMs: f.etcdCompactionInterval,
    clusterSigningDurationSeconds: f.clusterSigningDuration,
    controlPlaneEndpoint: f.controlPlaneEndpoint,
    network: { clusterCidr: f.clusterCidr, nodeCidrMaskSize: f.nodeCidrMaskSize, serviceCidr: f.serviceClusterIpRange },
    podSecurity: podSecurityConfig(f),
    serviceAccounts: { issuer: f.serviceAccountIssuer, apiAudiences: f.apiAudiences ?? [f.serviceAccountIssuer], maxExpirationSeconds: f.serviceAccountMaxTokenExpiration },
    log,
  };
}

/** Runs a master in this process until SIGTERM/SIGINT; resolves once it is ready. */
export async function runMasterProcess(f: MasterFlags): Promise<Master> {
  const log = createLogger("gantry-master");
  const master = new Master(masterOptions(f, log));
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    master.stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  // kube-apiserver style: SIGHUP re-reads <data-dir>/encryption-config.yaml (changes are also picked up within a second).
  process.on("SIGHUP", () => void master.reloadEncryptionConfig());
  try {
    await master.start();
  } catch (err) {
    log.error({ err }, "master failed to start");
    await master.stop().catch(() => {});
    // pino writes asynchronously; exit only once the reason is out.
    await new Promise<void>((resolve) => log.flush(() => resolve()));
    process.exit(1);
  }
  return master;
}

export function registerMasterCommand(program: Command): void {
  addMasterFlags(program.command("master").description("run a control-plane member: etcd, the Kubernetes API, and (while elected leader) the controllers"))
    .option("--admin-kubeconfig <file>", "also write the admin kubeconfig here")
    .action(async (opts: MasterFlags) => {
      await runMasterProcess(opts);
    });
}
