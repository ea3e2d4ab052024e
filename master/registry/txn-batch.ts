// Many compare-and-swap writes in few etcd transactions. Each write says "put this value at key if
// its mod_revision is still R" — the store's update precondition, key by key. All compares of a
// batch go into one transaction; if any fails, etcd applies none, so the failure branch reads every
// key back in the same round trip, the stale writes are reported with the current value, and the
// rest are retried at once. One conflicting pod costs its batch one extra round trip, no more.
//
// etcd refuses transactions of more than 128 operations (--max-txn-ops), so larger batches are cut.
//
// With a fence (write-fence.ts; the leader's term, master/election/fence.ts) every transaction
// also carries the fence's compare: once it fails etcd applies nothing, and the batch rejects
// with the fence's error (NotLeaderError) instead of reporting conflicts.

import type { Etcd3, ICompare, IRequestOp } from "etcd3";
import type { WriteFence } from "./write-fence";

export const MAX_TXN_OPS = 128;

export interface CasWrite {
  key: string;
  /** The mod_revision the key must still have (the object's resourceVersion). */
  expectedModRevision: string;
  value: Buffer;
}

export type CasOutcome =
  | { ok: true; revision: string }
  /** The key moved on (current is its value now) or is gone (no current). */
  | { ok: false; current?: { value: Buffer; modRevision: string } };

/** Rejects with the fence's error (writing nothing more) once `fence` fails. */
export async function casBatch(client: Etcd3, writes: readonly CasWrite[], fence?: WriteFence): Promise<CasOutcome[]> {
  const outcomes = new Array<CasOutcome>(writes.length);
  // The fence takes one compare of the transaction.
  const perTxn = fence ? MAX_TXN_OPS - 1 : MAX_TXN_OPS;
  for (let start = 0; start < writes.length; start += perTxn) {
    const indexes = writes.slice(start, start + perTxn).map((_, i) => start + i);
    await casChunk(client, writes, indexes, outcomes, fence);
  }
  return outcomes;
}

async function casChunk(client: Etcd3, writes: readonly CasWrite[], indexes: number[], outcomes: CasOutcome[], fence: WriteFence | undefined): Promise<void> {
  let pending = indexes;
  while (pending.length > 0) {
    const check = fence?.check();
    const compare: ICompare[] = [];
    const success: IRequestOp[] = [];
    const failure: IRequestOp[] = [];
    for (const i of pending) {
      const key = Buffer.from(writes[i].key);
      compare.push({ key, target: "Mod", result: "Equal", mod_revision: writes[i].expectedModRevision });
      success.push({ request_put: { key, value: writes[i].value } });
      failure.push({ request_range: { key } });
    }
    if (check) {
      compare.push(check.compare);
      failure.push(check.read);
    }
    const res = await client.kv.txn({ compare, success, failure });
    if (res.succeeded) {
      for (const i of pending) outcomes[i] = { ok: true, revision: res.header.revision };
      return;
    }
    check?.verify(res.responses[pending.length]);
    // The failure branch read every key atomically with the failed compare: at least one of
    // them moved, so each round settles at least one write and the loop ends.
    const retry: number[] = [];
    pending.forEach((i, j) => {
      const kv = res.responses[j]?.response_range?.kvs?.[0];
      if (kv && kv.mod_revision === writes[i].expectedModRevision) retry.push(i);
      else outcomes[i] = { ok: false, current: kv ? { value: kv.value, modRevision: kv.mod_revision } : undefined };
    });
    pending = retry;
  }
}
