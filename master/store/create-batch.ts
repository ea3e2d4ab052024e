// Group commit for creates. Creates that arrive while etcd is busy with earlier ones go to it
// together, as one transaction of many puts, each guarded by its own compare "this key does not
// exist yet" (Version = 0). Under load a few transactions carry dozens of creates, which saves
// most of the per-call cost of the gRPC client; a lone create waits one turn of the event loop.
//
// A transaction is all-or-nothing: if one key already exists, etcd writes none of them. Its
// failure branch therefore reads every key (keys only) in the same round trip: the keys found are
// answered "exists", the rest go again at once. Each round settles at least one create, so one
// conflicting create costs its batch one extra round trip, and never fails the others.
//
// Every create of one transaction gets that transaction's revision as its resourceVersion: it is
// each key's mod_revision, so watches deliver each object with it and an update that presents
// it succeeds. A revision's events always arrive in one watch response, in the order of the puts.

import type { KVClient } from "etcd3";

export interface CreateBatchLimits {
  /**
   * Transactions in flight at once; more creates wait and go together in the next one. Two
   * measured best (api benchmark, 32 clients, same machine): one makes larger batches for the
   * same CPU but every create waits out the transaction before it, which cost a third of the
   * throughput on a loaded machine.
   */
  maxInFlight: number;
  /** Puts per transaction: etcd refuses more than 128 operations (`--max-txn-ops`). */
  maxOps: number;
  /**
   * Key and value bytes per transaction, below etcd's 1.5 MiB request limit
   * (`--max-request-bytes`). One create larger than this still goes, alone.
   */
  maxBytes: number;
}

export const DEFAULT_CREATE_BATCH_LIMITS: CreateBatchLimits = { maxInFlight: 2, maxOps: 128, maxBytes: 1024 * 1024 };

interface PendingCreate {
  key: Buffer;
  /** The key as a string, for the set of keys in flight. */
  id: string;
  value: Buffer;
  /** The revision it was written at, or undefined when the key already existed. */
  resolve(revision: string | undefined): void;
  reject(err: unknown): void;
}

export class CreateBatcher {
  private waiting: PendingCreate[] = [];
  private inFlight = 0;
  private flushScheduled = false;
  /** Keys of the creates in flight: a later create of one of them waits until it is settled. */
  private readonly keysInFlight = new Set<string>();

  constructor(
    private readonly kv: KVClient,
    private readonly limits: CreateBatchLimits = DEFAULT_CREATE_BATCH_LIMITS,
  ) {}

  /** Puts `value` at `key` if the key does not exist: the revision written at, or undefined if it exists. */
  create(key: Buffer, value: Buffer): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ key, id: key.toString("latin1"), value, resolve, reject });
      this.scheduleFlush();
    });
  }

  /** Flushes after this turn of the event loop, so creates decoded in the same turn go together. */
  private scheduleFlush(): void {
    if (this.flushScheduled || this.inFlight >= this.limits.maxInFlight || this.waiting.length === 0) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.limits.maxInFlight && this.waiting.length > 0) {
      const batch = this.takeBatch();
      if (batch.length === 0) return; // only creates of keys in flight wait; their end flushes again
      this.inFlight++;
      void this.write(batch).finally(() => {
        for (const c of batch) this.keysInFlight.delete(c.id);
        this.inFlight--;
        this.scheduleFlush();
      });
    }
  }

  /**
   * The oldest waiting creates that fit the limits, in order. Two creates of one key are never in
   * flight together (etcd refuses duplicate keys in one transaction, and the first asked should
   * win): the later one waits until the first is settled, and then finds the key taken if it won.
   */
  private takeBatch(): PendingCreate[] {
    const batch: PendingCreate[] = [];
    const rest: PendingCreate[] = [];
    let bytes = 0;
    let full = false;
    for (const c of this.waiting) {
      const size = c.key.length + c.value.length;
      full ||= batch.length > 0 && (batch.length >= this.limits.maxOps || bytes + size > this.limits.maxBytes);
      if (full || this.keysInFlight.has(c.id)) {
        rest.push(c);
        continue;
      }
      batch.push(c);
      this.keysInFlight.add(c.id);
      bytes += size;
    }
    this.waiting = rest;
    return batch;
  }

  /** Settles every create of `batch`; never rejects. */
  private async write(batch: PendingCreate[]): Promise<void> {
    let pending = batch;
    try {
      while (pending.length > 0) pending = await this.attempt(pending);
    } catch (err) {
      // An error of the whole transaction (etcd unavailable, a request etcd refuses): each create
      // goes once more on its own, so one create etcd cannot take does not fail the others.
      if (pending.length === 1) pending[0].reject(err);
      else await Promise.all(pending.map((c) => this.write([c])));
    }
  }

  /** One transaction: settles what it can, returns the creates to try again. */
  private async attempt(pending: PendingCreate[]): Promise<PendingCreate[]> {
    const res = await this.kv.txn({
      compare: pending.map((c) => ({ key: c.key, target: "Version", result: "Equal", version: 0 })),
      success: pending.map((c) => ({ request_put: { key: c.key, value: c.value } })),
      failure: pending.map((c) => ({ request_range: { key: c.key, keys_only: true } })),
    });
    if (res.succeeded) {
      for (const c of pending) c.resolve(res.header.revision);
      return [];
    }
    // The failure branch read the keys atomically with the failed compares: at least one exists.
    const again = pending.filter((c, i) => {
      const exists = (res.responses[i]?.response_range?.kvs?.length ?? 0) > 0;
      if (exists) c.resolve(undefined);
      return !exists;
    });
    if (again.length === pending.length) throw new Error("etcd refused a create transaction but found none of its keys");
    return again;
  }
}
