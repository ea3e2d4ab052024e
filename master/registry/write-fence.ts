// What the registry needs to fence a transaction by something outside it, e.g. the leader's term
// (master/election/fence.ts implements it): one more compare, one more read on failure, and a
// verdict on that read. The registry does not know what is compared; it only refuses to apply
// (and to retry) a transaction whose fence failed.

import type { ICompare, IRequestOp, IResponseOp } from "etcd3";

/** The fence for one transaction. */
export interface FenceCheck {
  /** Add to the transaction's compares. */
  readonly compare: ICompare;
  /** Add last to the transaction's failure ops, so verify() can tell a failed fence from a conflict. */
  readonly read: IRequestOp;
  /** Given the response to `read` of a failed transaction: throws if the fence failed. */
  verify(response: IResponseOp | undefined): void;
}

export interface WriteFence {
  /** The check for the next transaction; throws when no write may be made at all. */
  check(): FenceCheck;
}
