// Whether to defragment an etcd member after a compaction, and which. Pure: compactor.ts asks the
// members for their Status and performs the Defragment.
//
// Compaction frees pages inside etcd's bbolt file; etcd reuses them, but the file never shrinks,
// so after a burst (many large objects, deleted again) a member keeps a file far larger than its
// data. Defragment rewrites the file, and blocks that member (reads, writes, raft apply) while it
// runs — about a second per few hundred MiB. So:
//   - only a large file that is mostly free space is worth it (`minDbBytes`, `minFreeFraction`);
//   - one member per tick, and each member at most once per `minIntervalMs`;
//   - (out of space — etcd's NOSPACE alarm — every member, one after the other: etcd checks the
//     quota against each member's file size, so one member still over it keeps the cluster
//     read-only; compactor.ts passes a policy with no thresholds and no limit then);
//   - never when blocking that member would cost quorum: every member must have answered, and
//     the others must be a quorum on their own. A single-member cluster has no such choice: it
//     blocks for the duration, which the rate limit keeps rare;
//   - followers before the raft leader (defragmenting the leader stalls every write).

export interface MemberDbStatus {
  /** etcd member id (decimal string). */
  id: string;
  name: string;
  /** Bytes of the backend file. */
  dbSize: number;
  /** Bytes of it in use; the rest is free pages. */
  dbSizeInUse: number;
  isLeader: boolean;
}

export interface DefragPolicy {
  minDbBytes: number;
  /** (dbSize - dbSizeInUse) / dbSize at least this. */
  minFreeFraction: number;
  minIntervalMs: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_DEFRAG_POLICY: DefragPolicy = {
  minDbBytes: 256 * MiB,
  minFreeFraction: 0.5,
  minIntervalMs: 60 * 60 * 1000,
};

/** Defragment these members, one after the other (empty: none), and why. */
export interface DefragDecision {
  members: MemberDbStatus[];
  reason: string;
}

/**
 * The members to defragment now, at most `limit` of them, in order. `statuses` are the members
 * that answered, out of `memberCount` voting members; `lastDefragAt` holds when each member id
 * was last defragmented (same clock as `now`).
 */
export function chooseDefrag(
  statuses: readonly MemberDbStatus[],
  memberCount: number,
  lastDefragAt: ReadonlyMap<string, number>,
  now: number,
  policy: DefragPolicy,
  limit = 1,
): DefragDecision {
  const candidates = statuses.filter((m) => {
    const last = lastDefragAt.get(m.id);
    return m.dbSize >= policy.minDbBytes && freeBytes(m) >= policy.minFreeFraction * m.dbSize && (last === undefined || now - last >= policy.minIntervalMs);
  });
  if (candidates.length === 0) return { members: [], reason: "no member has enough free space to reclaim (or was defragmented recently)" };
  if (memberCount > 1) {
    if (statuses.length < memberCount) return { members: [], reason: `only ${statuses.length} of ${memberCount} members answered; blocking one could cost quorum` };
    if (memberCount - 1 < quorum(memberCount)) return { members: [], reason: `with ${memberCount} members, blocking one costs quorum` };
  }
  const members = [...candidates].sort((a, b) => Number(a.isLeader) - Number(b.isLeader) || freeBytes(b) - freeBytes(a)).slice(0, limit);
  const mib = (n: number) => `${Math.round(n / MiB)} MiB`;
  return { members, reason: members.map((m) => `${m.name}: ${mib(freeBytes(m))} of its ${mib(m.dbSize)} file is free`).join("; ") };
}

function freeBytes(m: MemberDbStatus): number {
  return Math.max(0, m.dbSize - m.dbSizeInUse);
}

function quorum(members: number): number {
  return Math.floor(members / 2) + 1;
}
