// Fencing a leader's etcd writes by its term. A term's epoch is the create revision of the leader
// key (etcd-backend.ts); the key exists with that create revision exactly while the term's lease
// lives, and no other master can win before the key is gone. So a transaction that also compares
// `create_revision(leader key) == epoch` commits only while this term still holds the key: once
// the lease has expired (or was revoked, or a successor created the key anew) etcd refuses it,
// however late a paused or partitioned old leader sends it. The step-down timing (machine.ts)
// stops components before that point; the fence covers a leader that has not noticed yet.
//
//   txn({ compare: [...writes' own compares, fence.compare], success: [...],
//         failure: [...reads, fence.read] })  →  on failure: fence.verify(last response)
//
// The registry applies it (master/registry/write-fence.ts, txn-batch.ts) to the binds the
// scheduler asks for with a fence (registry.bindPods).

import type { FenceCheck, WriteFence } from "../registry/write-fence";
import { LEADER_KEY } from "./etcd-backend";
import type { Leadership } from "./leadership";

/** A write was refused because this master no longer leads in the term it was made for. */
export class NotLeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotLeaderError";
  }
}

export type { FenceCheck, WriteFence };

/** Fences writes by the term `leadership` is in when each transaction is built. */
export function leaderFence(leadership: Pick<Leadership, "currentTerm" | "identity">, key: string = LEADER_KEY): WriteFence {
  const keyBytes = Buffer.from(key);
  return {
    check(): FenceCheck {
      const term = leadership.currentTerm();
      if (!term) throw new NotLeaderError(`${leadership.identity} does not lead; write refused`);
      const epoch = term.epoch;
      return {
        compare: { key: keyBytes, target: "Create", result: "Equal", create_revision: String(epoch) },
        read: { request_range: { key: keyBytes } },
        verify(response) {
          const kv = response?.response_range?.kvs?.[0];
          if (!kv || Number(kv.create_revision) !== epoch) {
            throw new NotLeaderError(`leadership term ${epoch} of ${leadership.identity} is over (leader key ${kv ? `now of epoch ${kv.create_revision}` : "gone"}); write refused`);
          }
        },
      };
    },
  };
}
