// The parts of a master that only the elected leader runs (scheduler, controllers, dispatcher).
// The election starts them when this master wins the lease and stops them at once when it loses
// it; each must be restartable (start after stop) and level-triggered, so a new leader simply
// recomputes everything from etcd.

import type { Etcd3 } from "etcd3";
import type { ApiContext } from "./registry/context";
import type { Leadership } from "./election/leadership";
import type { Logger } from "./log";
import type { CertificateAuthority } from "./pki";
import type { AgentTransport } from "./dispatch/agent-transport";
import type { EtcdClientTls } from "./store/etcd-tls";

export interface LeaderComponent {
  readonly name: string;
  start(): Promise<void>;
  /** Stops all work promptly; no writes may happen after it resolves. */
  stop(): Promise<void>;
}

/** What every leader component is built from. */
export interface ComponentDeps {
  ctx: ApiContext;
  log: Logger;
  /** This master's leadership: the epoch fences agents against a deposed leader. */
  leadership?: Leadership;
  /** Operator settings of the leader components (master flags). */
  settings?: LeaderSettings;
  /** The cluster CA: the CSR signer signs with it, cluster-info publishes its certificate. */
  ca?: CertificateAuthority;
  /** The store's etcd client, for the maintenance the leader does (compaction, defragmentation). */
  etcd?: Etcd3;
  /** Its client certificate, for the per-member maintenance calls (defragmentation). */
  etcdTls?: EtcdClientTls;
  /** How the dispatcher dials agents: mutual TLS in a master; plain HTTP/2 when unset (in-process tests). */
  agentTransport?: AgentTransport;
}

export interface LeaderSettings {
  /** A node without a heartbeat for this long is NotReady (`--node-monitor-grace-period`). */
  nodeMonitorGracePeriodSeconds?: number;
  /** Longest certificate the CSR signer issues (`--cluster-signing-duration`); default 1 year. */
  clusterSigningDurationSeconds?: number;
  /** The API address cluster-info publishes when it creates the ConfigMap, e.g. https://10.0.0.1:6443. */
  clusterInfoServer?: string;
  /** Time between etcd compactions; 0 turns compaction off (`--etcd-compaction-interval`, default 5 min). */
  etcdCompactionIntervalMs?: number;
}
