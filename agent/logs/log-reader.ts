// Serves a container's log as `kubectl logs` asks for it (PodLogOptions) on top of the
// runtime's CRI log reader (runtime/runc/cri-log.ts, which joins partial lines, tails, filters
// by time and follows rotations): here come timestamps, limitBytes, the end of a follow when
// the container exits, and stopping when the client goes away.

import { formatRfc3339Nano, readCriLog } from "../../runtime/runc/cri-log";

export interface LogOptions {
  follow: boolean;
  tailLines?: number;
  /** Only lines at or after this time (ms since the epoch). */
  sinceMs?: number;
  timestamps: boolean;
  limitBytes?: number;
}

export interface LogSink {
  /** May return a promise to hold the reader back until the client has taken the data. */
  write(data: Buffer): void | Promise<void>;
  /** Aborted when the client went away. */
  signal?: AbortSignal;
}

const NEWLINE = Buffer.from("\n");

/** Streams the log at `path`; with follow, until `exited()` says the container is done. */
export async function streamLogs(path: string, opts: LogOptions, sink: LogSink, exited: () => Promise<boolean>): Promise<void> {
  let sent = 0;
  const limit = opts.limitBytes;
  try {
    const messages = readCriLog(path, {
      tailLines: opts.tailLines,
      since: opts.sinceMs !== undefined ? new Date(opts.sinceMs) : undefined,
      follow: opts.follow,
      stopWhen: exited,
      signal: sink.signal,
      pollMs: 200,
    });
    for await (const m of messages) {
      const parts = [m.content];
      if (!m.partial) parts.push(NEWLINE);
      if (opts.timestamps) parts.unshift(Buffer.from(`${formatRfc3339Nano(m.timeNs)} `));
      let data = Buffer.concat(parts);
      if (limit !== undefined) {
        if (data.length > limit - sent) data = data.subarray(0, limit - sent);
        sent += data.length;
      }
      await sink.write(data);
      if (limit !== undefined && sent >= limit) return;
    }
  } catch (err) {
    // No log file yet (a container that never started) reads as an empty log.
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}
