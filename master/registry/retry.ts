// The one retry policy of the write path. A read-modify-write (an update or patch, a delete that
// marks or removes, a binding) reads the object, decides, and writes with a compare-and-swap on
// the resourceVersion it read. When another writer got there first the compare fails (409) and
// the registry reads again and decides again, up to CONFLICT_RETRIES more times, at once: the
// retry rereads, so waiting would not help. After that the 409 reaches the caller (kubectl sees
// "the object has been modified"; a controller requeues the key).
//
// 20 because the master's own writers race each other on hot objects (a pod's status from its
// agent while a controller deletes it, a Node's heartbeat while the pod-CIDR allocator writes
// its spec); kube-apiserver's GuaranteedUpdate retries without a bound. A precondition the
// caller set (a resourceVersion in the body, a uid) is never retried: it failed for good.

import { ApiError } from "../../api/errors";

export const CONFLICT_RETRIES = 20;

/** A lost compare-and-swap: worth reading again. */
export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409 && err.reason === "Conflict";
}
