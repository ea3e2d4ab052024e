// The election's I/O edge: the leader key in etcd, bound to a lease. Every method reports its
// outcome as data for the state machine (machine.ts); only programming errors throw.
//
//   campaign: range(key) → absent? leaseGrant(ttl) → txn(create_revision(key) = 0 ⇒ put(key, lease))
//   renew:    one LeaseKeepAlive round trip, bounded by a timeout (tried again on another member
//             while members refuse)
//   release:  leaseRevoke (etcd deletes the key with it)
//   watch:    put/delete events of the key, plus a fresh read whenever the watch (re)connects

import { EtcdLeaseInvalidError, GRPCUnavailableError, type Etcd3, type IKeyValue, type Watcher } from "etcd3";
import type { CampaignOutcome, LeaderRecord, Observation, RenewOutcome } from "./machine";

export const LEADER_KEY = "/gantry/leader";

/** Between keepalive tries on another member, so a refusing member does not make a hot loop. */
const RENEW_PAUSE_MS = 25;

/** A keepalive try; `unavailable`: the member refused or could not be reached (gRPC UNAVAILABLE). */
type RenewTry = RenewOutcome & { unavailable?: boolean };

function isUnavailable(err: unknown): boolean {
  return err instanceof GRPCUnavailableError || (typeof err === "object" && err !== null && (err as { code?: unknown }).code === 14);
}

/** What the election needs from etcd; a test can wrap the real one to inject faults. */
export interface ElectionBackend {
  campaign(identity: string, ttlSeconds: number, revokeStale?: string): Promise<CampaignOutcome>;
  renew(leaseId: string, timeoutMs: number): Promise<RenewOutcome>;
  release(leaseId: string): Promise<void>;
  /** Calls `onChange` with every change of the key until close(). */
  watch(onChange: (observation: Observation) => void, onError: (err: unknown) => void): Promise<{ close(): Promise<void> }>;
}

export class EtcdElectionBackend implements ElectionBackend {
  private readonly key: Buffer;

  constructor(
    private readonly client: Etcd3,
    private readonly now: () => number = Date.now,
    key = LEADER_KEY,
  ) {
    this.key = Buffer.from(key);
  }

  async campaign(identity: string, ttlSeconds: number, revokeStale?: string): Promise<CampaignOutcome> {
    try {
      if (revokeStale !== undefined) await this.release(revokeStale);
      const current = await this.client.kv.range({ key: this.key });
      const kv = current.kvs[0];
      if (kv) return { result: "held", observation: { leader: recordOf(kv), revision: Number(current.header.revision) } };

      const sentAt = this.now();
      const grant = await this.client.leaseClient.leaseGrant({ TTL: ttlSeconds });
      const txn = await this.client.kv.txn({
        compare: [{ key: this.key, target: "Create", result: "Equal", create_revision: 0 }],
        success: [{ request_put: { key: this.key, value: Buffer.from(JSON.stringify({ identity })), lease: grant.ID } }],
        failure: [{ request_range: { key: this.key } }],
      });
      if (txn.succeeded) return { result: "won", leaseId: grant.ID, epoch: Number(txn.header.revision), sentAt };
      // Lost the race between the read and the txn; the unused lease would otherwise live out its TTL.
      await this.release(grant.ID).catch(() => {});
      const winner = txn.responses[0]?.response_range?.kvs[0];
      return { result: "held", observation: { leader: winner ? recordOf(winner) : undefined, revision: Number(txn.header.revision) } };
    } catch (err) {
      return { result: "failed", error: message(err) };
    }
  }

  /**
   * The client sends each keepalive stream to one member picked at random. A member that is down
   * (or not started yet: a new member's URL is often listed before it runs) refuses at once, and
   * one refusal per renewal would make a leader with two dead endpoints out of three step down
   * (2/3 per try, every try, for 7 s). So a refused or unavailable try is repeated, on whichever
   * member the client picks next, for as long as `timeoutMs` allows.
   */
  async renew(leaseId: string, timeoutMs: number): Promise<RenewOutcome> {
    const deadline = this.now() + timeoutMs;
    for (;;) {
      const outcome = await this.renewOnce(leaseId, Math.max(1, deadline - this.now()));
      if (outcome.result !== "failed" || !outcome.unavailable || deadline - this.now() < RENEW_PAUSE_MS) return outcome;
      await new Promise((r) => setTimeout(r, RENEW_PAUSE_MS));
    }
  }

  private async renewOnce(leaseId: string, timeoutMs: number): Promise<RenewTry> {
    const sentAt = this.now();
    let timer: NodeJS.Timeout | undefined;
    let cancel = () => {};
    const timeout = new Promise<RenewTry>((resolve) => {
      timer = setTimeout(() => {
        cancel();
        resolve({ result: "failed", error: `keepalive of lease ${leaseId} got no answer within ${timeoutMs}ms` });
      }, timeoutMs);
    });
    const roundTrip = (async (): Promise<RenewTry> => {
      const stream = await this.client.leaseClient.leaseKeepAlive();
      cancel = () => stream.cancel();
      return new Promise<RenewTry>((resolve) => {
        stream.on("data", (res) => {
          stream.end();
          resolve(Number(res.TTL) > 0 ? { result: "renewed", sentAt } : { result: "expired" });
        });
        stream.on("error", (err) => resolve({ result: "failed", error: message(err), unavailable: isUnavailable(err) }));
        stream.write({ ID: leaseId });
      });
    })().catch((err: unknown): RenewTry => (err instanceof EtcdLeaseInvalidError ? { result: "expired" } : { result: "failed", error: message(err), unavailable: isUnavailable(err) }));
    try {
      return await Promise.race([roundTrip, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async release(leaseId: string): Promise<void> {
    try {
      await this.client.leaseClient.leaseRevoke({ ID: leaseId });
    } catch (err) {
      if (!(err instanceof EtcdLeaseInvalidError)) throw err; // already gone: the goal is met
    }
  }

  async watch(onChange: (observation: Observation) => void, onError: (err: unknown) => void): Promise<{ close(): Promise<void> }> {
    const watcher: Watcher = await this.client.watch().key(this.key).create();
    let closed = false;
    watcher.on("put", (kv) => onChange({ leader: recordOf(kv), revision: Number(kv.mod_revision) }));
    watcher.on("delete", (kv) => onChange({ leader: undefined, revision: Number(kv.mod_revision) }));
    // After a reconnect, read the key once: cheap, and covers anything a resumed watch could miss.
    watcher.on("connected", () => {
      if (closed) return;
      this.client.kv.range({ key: this.key }).then(
        (res) => !closed && onChange({ leader: res.kvs[0] ? recordOf(res.kvs[0]) : undefined, revision: Number(res.header.revision) }),
        (err: unknown) => !closed && onError(err),
      );
    });
    watcher.on("error", (err) => onError(err));
    return {
      close: async () => {
        closed = true;
        await watcher.cancel();
      },
    };
  }
}

function recordOf(kv: IKeyValue): LeaderRecord {
  let identity = "";
  try {
    const parsed: unknown = JSON.parse(kv.value.toString("utf8"));
    if (typeof parsed === "object" && parsed !== null && typeof (parsed as { identity?: unknown }).identity === "string") identity = (parsed as { identity: string }).identity;
  } catch {
    // Not ours; report it with no identity so nobody mistakes it for theirs.
  }
  return { identity, epoch: Number(kv.create_revision), leaseId: kv.lease };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
