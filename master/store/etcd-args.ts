// The command line of one etcd member. Kept pure (no I/O) so the flags the supervisor passes
// can be checked without starting etcd.

export interface EtcdMemberOptions {
  /** etcd's own data directory, used exactly as given (callers pass `<master-data-dir>/etcd`). */
  dataDir: string;
  /** Member name; unique in the cluster. */
  name: string;
  clientPort: number;
  peerPort: number;
  /** Address etcd listens on. Default 127.0.0.1. */
  host?: string;
  /** Address other members and clients are told to use. Default: `host`. */
  advertiseHost?: string;
  /** `name=peerURL,...` of every member. Default: just this member. */
  initialCluster?: string;
  /** "existing" when joining a running cluster. Default "new". */
  initialClusterState?: "new" | "existing";
  /** Guards against members of different clusters meeting. Default "gantry". */
  initialClusterToken?: string;
  /**
   * How often etcd tells idle watchers "nothing happened up to revision R". The store turns
   * these into watch bookmarks, so this bounds how stale a bookmark can be. Default 5000.
   */
  progressNotifyIntervalMs?: number;
  /** Default 4 GiB. */
  quotaBackendBytes?: number;
  /** Committed transactions between raft snapshots. Default 10000. */
  snapshotCount?: number;
  /** Appended last; for tuning tests (e.g. heartbeat) without widening this interface. */
  extraArgs?: string[];
}

const GiB = 1024 * 1024 * 1024;

/** Wraps IPv6 literals in brackets so they fit in a URL. */
export function urlHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

export function clientUrlOf(o: EtcdMemberOptions): string {
  return `http://${urlHost(o.advertiseHost ?? o.host ?? "127.0.0.1")}:${o.clientPort}`;
}

export function peerUrlOf(o: EtcdMemberOptions): string {
  return `http://${urlHost(o.advertiseHost ?? o.host ?? "127.0.0.1")}:${o.peerPort}`;
}

export function etcdArgs(o: EtcdMemberOptions): string[] {
  const listen = urlHost(o.host ?? "127.0.0.1");
  const peerUrl = peerUrlOf(o);
  return [
    `--name=${o.name}`,
    `--data-dir=${o.dataDir}`,
    `--listen-client-urls=http://${listen}:${o.clientPort}`,
    `--advertise-client-urls=${clientUrlOf(o)}`,
    `--listen-peer-urls=http://${listen}:${o.peerPort}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${o.initialCluster ?? `${o.name}=${peerUrl}`}`,
    `--initial-cluster-state=${o.initialClusterState ?? "new"}`,
    `--initial-cluster-token=${o.initialClusterToken ?? "gantry"}`,
    // The leader compacts (compactor.ts), keeping one interval of history as kube-apiserver does.
    "--auto-compaction-retention=0",
    `--quota-backend-bytes=${o.quotaBackendBytes ?? 4 * GiB}`,
    `--snapshot-count=${o.snapshotCount ?? 10000}`,
    `--experimental-watch-progress-notify-interval=${o.progressNotifyIntervalMs ?? 5000}ms`,
    "--enable-v2=false",
    "--logger=zap",
    "--log-outputs=stderr",
    ...(o.extraArgs ?? []),
  ];
}
