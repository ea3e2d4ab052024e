// What the HA tests read off a running control plane: the leader Lease, the leader-election line
// of /readyz?verbose, and when a master logged a message (pino time), e.g. "leader components
// started" to time a takeover from the masters' own clocks.

import type { HaCluster, HaMaster } from "./ha-cluster";

export interface LeaseView {
  holder: string;
  transitions: number;
  duration: number;
  epoch: number;
}

/** The Lease kube-system/gantry-master, through `via` (default: the first running master). */
export async function leaderLease(cluster: HaCluster, via?: HaMaster): Promise<LeaseView | undefined> {
  const r = await cluster.kubectl(["get", "lease", "gantry-master", "-n", "kube-system", "-o", "json"], via);
  if (r.code !== 0) return undefined;
  const obj = JSON.parse(r.stdout) as { metadata: { annotations?: Record<string, string> }; spec: { holderIdentity: string; leaseTransitions: number; leaseDurationSeconds: number } };
  return { holder: obj.spec.holderIdentity, transitions: obj.spec.leaseTransitions, duration: obj.spec.leaseDurationSeconds, epoch: Number(obj.metadata.annotations?.["gantry.io/leader-epoch"]) };
}

/** The leader-election line of /readyz?verbose. */
export function electionLine(readyz: string | undefined): string | undefined {
  return readyz?.split("\n").find((l) => l.includes("leader-election"));
}

/** When `m` logged `msg` (pino time, ms since the epoch) at or after `since`. */
export function loggedAt(m: HaMaster, msg: string, since: number): { time: number; epoch?: number } | undefined {
  const line = m.logLines().find((l) => l.msg === msg && l.time >= since);
  return line && { time: line.time, epoch: typeof line.epoch === "number" ? line.epoch : undefined };
}

/**
 * The address of the master whose etcd member is etcd's raft leader now (etcdctl endpoint
 * status); undefined when no member that answers says it leads.
 */
export async function raftLeaderAddress(cluster: HaCluster): Promise<string | undefined> {
  const r = await cluster.etcdctl(["endpoint", "status", "-w", "json"]);
  try {
    // Member ids are uint64: JSON numbers lose precision, but the same id rounds the same way.
    const statuses = JSON.parse(r.stdout) as { Endpoint: string; Status: { header: { member_id: number }; leader: number } }[];
    const leader = statuses.find((s) => s.Status.header.member_id === s.Status.leader);
    return leader ? new URL(leader.Endpoint).hostname : undefined;
  } catch {
    return undefined;
  }
}
