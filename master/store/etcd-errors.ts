// Translates what the etcd3 client throws into the store's error taxonomy. etcd reports both
// compaction and future revisions as gRPC OUT_OF_RANGE; only the message tells them apart.
//
// Expired errors carry Kubernetes' own wording (apiserver storage/etcd3/errors.go for lists and
// continue tokens, the watch cache for watches): clients act on reason Expired / code 410,
// people and scripts read the message.

import { StoreError } from "./types";

const COMPACTED = "required revision has been compacted";
const FUTURE = "required revision is a future revision";

export const LIST_EXPIRED = "The resourceVersion for the provided list is too old.";
export const CONTINUE_EXPIRED =
  "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.";

/**
 * A watch from `rev` that etcd can no longer serve. `oldest` is the oldest resourceVersion a
 * watch can still start from: etcd's compaction revision minus one (a watch from R delivers
 * the changes after R, and etcd still has the changes at the compaction revision itself).
 */
export function watchExpiredMessage(rev: number, oldest?: number): string {
  return oldest === undefined ? `too old resource version: ${rev}` : `too old resource version: ${rev} (${oldest})`;
}

export function isCompactedError(err: unknown): boolean {
  return err instanceof Error && err.message.includes(COMPACTED);
}

export function isFutureRevisionError(err: unknown): boolean {
  return err instanceof Error && err.message.includes(FUTURE);
}

/** The error a read at `rev` of `key` should surface as; `expiredMessage` when `rev` is compacted. */
export function readError(err: unknown, key: string, rev: number, expiredMessage = LIST_EXPIRED): unknown {
  if (isCompactedError(err)) return new StoreError("Expired", key, expiredMessage);
  if (isFutureRevisionError(err)) {
    return new Error(`resourceVersion ${rev} for ${key} is newer than the store's current revision; retry later or omit it`);
  }
  return err;
}
