// Translates what the etcd3 client throws into the store's error taxonomy. etcd reports both
// compaction and future revisions as gRPC OUT_OF_RANGE; only the message tells them apart.

import { StoreError } from "./types";

const COMPACTED = "required revision has been compacted";
const FUTURE = "required revision is a future revision";

export function isCompactedError(err: unknown): boolean {
  return err instanceof Error && err.message.includes(COMPACTED);
}

export function isFutureRevisionError(err: unknown): boolean {
  return err instanceof Error && err.message.includes(FUTURE);
}

/** The error a read at `rev` of `key` should surface as. */
export function readError(err: unknown, key: string, rev: number): unknown {
  if (isCompactedError(err)) return expired(key, rev);
  if (isFutureRevisionError(err)) {
    return new Error(`resourceVersion ${rev} for ${key} is newer than the store's current revision; retry later or omit it`);
  }
  return err;
}

export function expired(key: string, rev: number): StoreError {
  return new StoreError("Expired", key, `resourceVersion ${rev} for ${key} is too old: etcd has compacted it; list again for a fresh resourceVersion`);
}
