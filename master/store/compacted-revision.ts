// etcd's compaction revision C (history before C is gone), for the "(Y)" of Kubernetes'
// "too old resource version: X (Y)". etcd tells it only to a watcher created below C, in the
// response that cancels it (WatchResponse.compact_revision); the etcd3 client's Watcher drops
// that field, so this opens one raw stream on the client's Watch service, creates a watch at a
// revision already known to be compacted, and reads C from the cancel. Only the Expired path
// calls it, so it costs nothing in normal operation.

import type { Etcd3, IWatchResponse } from "etcd3";

/** A key nothing is stored under: the probe watch must not replay any history. */
const PROBE_KEY = Buffer.from("/gantry/compaction-probe");

/**
 * C, given a revision `compactedRev` that etcd has already refused as compacted. Undefined when
 * etcd does not answer within `timeoutMs` (the caller then reports the error without it).
 */
export async function compactedRevision(client: Etcd3, compactedRev: number, timeoutMs = 2000): Promise<number | undefined> {
  let stream: Awaited<ReturnType<Etcd3["watchClient"]["watch"]>>;
  try {
    stream = await client.watchClient.watch();
  } catch {
    return undefined;
  }
  return new Promise<number | undefined>((resolve) => {
    let done = false;
    const finish = (rev: number | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stream.cancel();
      resolve(rev);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    stream.on("data", (res: IWatchResponse) => {
      const rev = Number(res.compact_revision);
      if (rev > 0) finish(rev);
    });
    // Includes the CANCELLED our own cancel() causes once done.
    stream.on("error", () => finish(undefined));
    stream.on("end", () => finish(undefined));
    stream.write({ create_request: { key: PROBE_KEY, start_revision: Math.max(1, compactedRev) } });
  });
}
