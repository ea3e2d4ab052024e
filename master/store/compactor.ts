// The etcd compactor: every `intervalMs` it compacts etcd to the revision recorded one tick
// earlier (compaction-schedule.ts), then defragments a member whose file is mostly free space
// (defrag-policy.ts). Without it etcd keeps every revision of every key: the database grows
// until etcd's quota makes the cluster read-only, and a watch from an ancient resourceVersion
// replays all of history instead of answering 410 Expired.
//
// The leader runs it (a leader component: one compactor per cluster, no extra etcd traffic from
// followers, and one place to decide which member may block for a defragmentation). The
// compare-and-swap of the schedule makes overlapping terms harmless and lets a new leader
// continue where the previous one stopped.

import type { Etcd3, ITxnResponse } from "etcd3";
import type { Logger } from "../log";
import { CompactionSchedule, COMPACTION_KEY, type CompactionRecord } from "./compaction-schedule";
import { chooseDefrag, DEFAULT_DEFRAG_POLICY, type DefragPolicy, type MemberDbStatus } from "./defrag-policy";
import { directClient } from "./direct-client";
import type { EtcdClientTls } from "./etcd-tls";
import { isCompactedError } from "./etcd-errors";

/** kube-apiserver's default: five minutes of history are kept. */
export const DEFAULT_COMPACTION_INTERVAL_MS = 5 * 60_000;

export interface CompactorOptions {
  /** Time between ticks (`--etcd-compaction-interval`); one interval of history is kept. */
  intervalMs: number;
  defragPolicy?: DefragPolicy;
  /** Monotonic milliseconds, for the defragmentation rate limit. Default performance.now. */
  now?: () => number;
  /** The client certificate for the per-member calls (Status, Defragment) to TLS members. */
  tls?: EtcdClientTls;
  log: Logger;
}

export interface DefragResult {
  name: string;
  dbSizeBefore: number;
  dbSizeAfter?: number;
}

/** What one tick did, for logs and tests. */
export interface TickResult {
  /** The revision compacted to, when this tick compacted. */
  compacted?: number;
  /** Set when another compactor ticked since this one last did (nothing compacted). */
  lostSwap?: boolean;
  /** Set when etcd was out of space and this tick recovered it. */
  noSpace?: boolean;
  /** The members defragmented. */
  defragmented?: DefragResult[];
}

const KEY = Buffer.from(COMPACTION_KEY);
/** A defragmentation rewrites the whole file: allow it far longer than an ordinary call. */
const DEFRAG_TIMEOUT_MS = 10 * 60_000;
/** stop() waits this long for a tick in flight (a defragmentation it cannot cancel runs on). */
const STOP_WAIT_MS = 2000;
/** Out of space: every member with anything to reclaim, whenever it was last defragmented. */
const NO_SPACE_POLICY: DefragPolicy = { minDbBytes: 0, minFreeFraction: 0, minIntervalMs: 0 };

function isNoSpaceError(err: unknown): boolean {
  return err instanceof Error && err.message.includes("database space exceeded");
}

export class EtcdCompactor {
  readonly name = "etcd-compactor";
  private schedule?: CompactionSchedule;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<TickResult | undefined>;
  private stopped = true;
  private readonly lastDefragAt = new Map<string, number>();
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(
    private readonly client: Etcd3,
    private readonly options: CompactorOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.log = options.log.child({ component: "etcd-compactor" });
  }

  /** Reads the schedule's record and starts ticking; the first tick is one interval from now. */
  async start(): Promise<void> {
    this.schedule = new CompactionSchedule(await this.readRecord());
    this.stopped = false;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)));
    await Promise.race([this.ticking?.catch(() => undefined), waited]);
    clearTimeout(timer);
  }

  /** One tick; a tick still running (a long defragmentation) makes this one a no-op. Never throws. */
  tick(): Promise<TickResult | undefined> {
    if (this.ticking || this.stopped) return Promise.resolve(undefined);
    const run = this.runTick()
      .catch((err: unknown) => {
        this.log.warn({ err }, "etcd compaction tick failed; the next tick retries");
        return undefined;
      })
      .finally(() => (this.ticking = undefined));
    this.ticking = run;
    return run;
  }

  private async runTick(): Promise<TickResult> {
    const schedule = this.schedule!;
    let txn: ITxnResponse;
    try {
      txn = await this.client.kv.txn({
        compare: [{ key: KEY, target: "Version", result: "Equal", version: schedule.expectedVersion }],
        success: [{ request_put: { key: KEY, value: Buffer.from(JSON.stringify(schedule.note())) } }],
        failure: [{ request_range: { key: KEY } }],
      });
    } catch (err) {
      if (isNoSpaceError(err)) return this.recoverFromNoSpace();
      throw err;
    }
    if (!txn.succeeded) {
      const kv = txn.responses[0]?.response_range?.kvs?.[0];
      schedule.lost(kv ? { version: Number(kv.version), revision: Number(kv.mod_revision) } : { version: 0, revision: 0 });
      this.log.debug({ version: kv?.version }, "another compactor ticked since the last tick; adopting its record");
      return { lostSwap: true };
    }
    const target = schedule.swapped(Number(txn.header.revision));
    if (target === undefined || this.stopped) return {};
    await this.compact(target);
    this.log.debug({ revision: target }, "etcd compacted");
    const defragmented = this.stopped ? [] : await this.defragment(this.options.defragPolicy ?? DEFAULT_DEFRAG_POLICY);
    return { compacted: target, defragmented };
  }

  private async readRecord(): Promise<CompactionRecord> {
    const res = await this.client.kv.range({ key: KEY });
    const kv = res.kvs[0];
    return kv ? { version: Number(kv.version), revision: Number(kv.mod_revision) } : { version: 0, revision: 0 };
  }

  private async compact(revision: number): Promise<void> {
    try {
      // physical: return once the old revisions are really gone, so the sizes read next are current.
      await this.client.kv.compact({ revision, physical: true });
    } catch (err) {
      if (!isCompactedError(err)) throw err; // already compacted at or past it: nothing to do
    }
  }

  /**
   * Asks every voting member for its file sizes and defragments the ones `policy` picks (at most
   * `limit`), one after the other.
   */
  private async defragment(policy: DefragPolicy, limit = 1): Promise<DefragResult[]> {
    const { members } = await this.client.cluster.memberList({});
    const voters = members.filter((m) => !m.isLearner);
    const statuses = (await Promise.all(voters.map((m) => memberStatus(m.name, m.clientURLs, this.options.tls)))).filter((s) => s !== undefined);
    const decision = chooseDefrag(
      statuses.map((s) => s.status),
      voters.length,
      this.lastDefragAt,
      this.now(),
      policy,
      limit,
    );
    const results: DefragResult[] = [];
    for (const member of decision.members) {
      if (this.stopped) break;
      const urls = statuses.find((s) => s.status.id === member.id)!.urls;
      this.lastDefragAt.set(member.id, this.now());
      this.log.info({ member: member.name, dbSize: member.dbSize, dbSizeInUse: member.dbSizeInUse, reason: decision.reason }, "defragmenting etcd member");
      const client = directClient(urls, this.options.tls, DEFRAG_TIMEOUT_MS);
      try {
        const t0 = this.now();
        await client.maintenance.defragment();
        const after = await client.maintenance.status().catch(() => undefined);
        const dbSizeAfter = after ? Number(after.dbSize) : undefined;
        this.log.info({ member: member.name, dbSize: dbSizeAfter, ms: Math.round(this.now() - t0) }, "defragmented etcd member");
        results.push({ name: member.name, dbSizeBefore: member.dbSize, ...(dbSizeAfter === undefined ? {} : { dbSizeAfter }) });
      } finally {
        client.close();
      }
    }
    return results;
  }

  /**
   * etcd refuses every write once a member's file reaches the quota (alarm NOSPACE): the cluster
   * is read-only, and this compactor cannot even write its record. etcd's documented way back:
   * compact, defragment every member, clear the alarm. All history goes (not one interval of it):
   * being writable again matters more than sparing slow watchers a relist. If a member is still
   * over the quota, etcd raises the alarm again at its next write, and the next tick retries.
   */
  private async recoverFromNoSpace(): Promise<TickResult> {
    const current = Number((await this.client.kv.range({ key: KEY, keys_only: true })).header.revision);
    this.log.warn({ revision: current }, "etcd is out of space (alarm NOSPACE): compacting all history, defragmenting every member, then clearing the alarm");
    await this.compact(current);
    const defragmented = await this.defragment(NO_SPACE_POLICY, Infinity);
    const { alarms } = await this.client.maintenance.alarm({ action: "Get" });
    for (const alarm of alarms.filter((a) => a.alarm === "Nospace")) {
      await this.client.maintenance.alarm({ action: "Deactivate", alarm: "Nospace", memberID: alarm.memberID });
    }
    return { compacted: current, noSpace: true, defragmented };
  }
}

/** One member's Status, asked of that member alone; undefined when it does not answer. */
async function memberStatus(name: string, urls: string[], tls: EtcdClientTls | undefined): Promise<{ status: MemberDbStatus; urls: string[] } | undefined> {
  if (urls.length === 0) return undefined; // added but never started
  const client = directClient(urls, tls);
  try {
    const s = await client.maintenance.status();
    const id = s.header.member_id;
    return { status: { id, name, dbSize: Number(s.dbSize), dbSizeInUse: Number(s.dbSizeInUse), isLeader: s.leader === id }, urls };
  } catch {
    return undefined;
  } finally {
    client.close();
  }
}
