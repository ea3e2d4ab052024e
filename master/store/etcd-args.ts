// The command line of one etcd member. Kept pure (no I/O) so the flags the supervisor passes
// can be checked without starting etcd.

import type { EtcdTlsFiles } from "./etcd-tls";

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
  /**
   * Serve clients and peers only over TLS, requiring a certificate signed by the etcd CA from
   * each (etcd-tls.ts); URLs are then https. Masters always pass it; without it (unit tests on
   * loopback) the member speaks plain HTTP.
   */
  tls?: EtcdTlsFiles;
  /** Appended last; for tuning tests (e.g. heartbeat) without widening this interface. */
  extraArgs?: string[];
}

const GiB = 1024 * 1024 * 1024;

/** Wraps IPv6 literals in brackets so they fit in a URL. */
export function urlHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

function scheme(o: EtcdMemberOptions): string {
  return o.tls ? "https" : "http";
}

export function clientUrlOf(o: EtcdMemberOptions): string {
  return `${scheme(o)}://${urlHost(o.advertiseHost ?? o.host ?? "127.0.0.1")}:${o.clientPort}`;
}

export function peerUrlOf(o: EtcdMemberOptions): string {
  return `${scheme(o)}://${urlHost(o.advertiseHost ?? o.host ?? "127.0.0.1")}:${o.peerPort}`;
}

/** etcd's TLS flags: certificates for both sides, and a certificate asked of every client and peer. */
function tlsArgs(tls: EtcdTlsFiles | undefined): string[] {
  if (!tls) return [];
  return [
    `--cert-file=${tls.certFile}`,
    `--key-file=${tls.keyFile}`,
    "--client-cert-auth=true",
    `--trusted-ca-file=${tls.trustedCaFile}`,
    `--peer-cert-file=${tls.peerCertFile}`,
    `--peer-key-file=${tls.peerKeyFile}`,
    "--peer-client-cert-auth=true",
    `--peer-trusted-ca-file=${tls.trustedCaFile}`,
  ];
}

export function etcdArgs(o: EtcdMemberOptions): string[] {
  const listen = urlHost(o.host ?? "127.0.0.1");
  const peerUrl = peerUrlOf(o);
  return [
    `--name=${o.name}`,
    `--data-dir=${o.dataDir}`,
    `--listen-client-urls=${scheme(o)}://${listen}:${o.clientPort}`,
    `--advertise-client-urls=${clientUrlOf(o)}`,
    `--listen-peer-urls=${scheme(o)}://${listen}:${o.peerPort}`,
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
    ...tlsArgs(o.tls),
    "--logger=zap",
    "--log-outputs=stderr",
    ...(o.extraArgs ?? []),
  ];
}
