// Reading a container's CRI log the way `kubectl logs` wants it: whole messages (P fragments
// joined), optionally only the last N, only since a time, only one stream, and following the
// file as the container writes — across rotations (log-rotation.ts renames the file and
// conmon reopens a new one at the same path) and truncations.
//
// Like the kubelet, a read covers the current file only; rotated files (.1, .2 …) are history
// that `kubectl logs` does not show.
//
// Example (the agent's Logs RPC):
//   for await (const m of readCriLog(state.logPath, { tailLines: 10, follow: true, signal,
//                                                     stopWhen: async () => (await rt.state(id)).status === "exited" }))
//     send(m.stream, m.partial ? m.content : Buffer.concat([m.content, newline]));

import { promises as fs } from "node:fs";
import { CriAssembler, parseCriLine, parseRfc3339Nano, type CriLogMessage, type CriStream } from "./cri-log-format";

export * from "./cri-log-format";

export interface ReadCriLogOptions {
  /** Only the last N messages present when reading starts (then, with follow, everything new). */
  tailLines?: number;
  /** Only messages at or after this time (Date, RFC 3339 text, or epoch nanoseconds). */
  since?: Date | string | bigint;
  /** Only this stream (default both). */
  stream?: CriStream;
  /** Keep reading as the file grows; ends on abort or when stopWhen() says so. */
  follow?: boolean;
  /** Checked each time following reaches the end of the file; true → read what is left and end. */
  stopWhen?: () => boolean | Promise<boolean>;
  signal?: AbortSignal;
  /** How often to look for new data while following (default 100 ms). */
  pollMs?: number;
}

const chunkSize = 64 * 1024;
const newline = 0x0a;

function sinceNs(since: ReadCriLogOptions["since"]): bigint | undefined {
  if (since === undefined) return undefined;
  if (typeof since === "bigint") return since;
  if (since instanceof Date) return BigInt(since.getTime()) * 1_000_000n;
  return parseRfc3339Nano(since);
}

/** Byte offset where the last `n` whole messages (of `stream`, if given) begin: just after the
 *  (n+1)-th complete F line counted from the end, found by reading backwards in chunks. An
 *  unterminated last line (being written right now) is not counted. 0 = the whole file. */
export async function tailOffset(fh: fs.FileHandle, size: number, n: number, stream?: CriStream): Promise<number> {
  let pos = size;
  // Bytes from the end of the last chunk read up to the last line already counted; always
  // ends with a newline once one has been seen.
  let carry = Buffer.alloc(0);
  let seen = 0;
  while (pos > 0) {
    const len = Math.min(chunkSize, pos);
    const chunk = Buffer.alloc(len);
    await fh.read(chunk, 0, len, pos - len);
    pos -= len;
    const data = Buffer.concat([chunk, carry]); // covers [pos, pos + data.length)
    let lineEnd = data.lastIndexOf(newline);
    if (lineEnd < 0) {
      carry = Buffer.alloc(0); // still inside the unterminated last line
      continue;
    }
    for (;;) {
      const prev = lineEnd === 0 ? -1 : data.lastIndexOf(newline, lineEnd - 1);
      if (prev < 0 && pos > 0) break; // the line starts in an earlier chunk
      if (isCountedLine(data.subarray(prev + 1, lineEnd), stream) && ++seen === n + 1) return pos + lineEnd + 1;
      if (prev < 0) return 0;
      lineEnd = prev;
    }
    carry = Buffer.from(data.subarray(0, lineEnd + 1));
  }
  return 0;
}

function isCountedLine(line: Buffer, stream?: CriStream): boolean {
  try {
    const l = parseCriLine(line);
    return !l.partial && (stream === undefined || l.stream === stream);
  } catch {
    return false;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Messages of the CRI log at `path`. Throws ENOENT if the file does not exist at the start. */
export async function* readCriLog(path: string, opts: ReadCriLogOptions = {}): AsyncGenerator<CriLogMessage> {
  const since = sinceNs(opts.since);
  const pollMs = opts.pollMs ?? 100;
  const assembler = new CriAssembler();
  const wanted = (m: CriLogMessage) => (opts.stream === undefined || m.stream === opts.stream) && (since === undefined || m.timeNs >= since);

  let fh = await fs.open(path, "r");
  try {
    let st = await fh.stat();
    let pos = opts.tailLines !== undefined ? await tailOffset(fh, st.size, Math.max(0, opts.tailLines), opts.stream) : 0;
    let rest = Buffer.alloc(0);
    let stopping = false;
    let switchPending = false;

    for (;;) {
      // Read everything up to the current end of the file.
      for (;;) {
        const buf = Buffer.alloc(chunkSize);
        const { bytesRead } = await fh.read(buf, 0, chunkSize, pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        const data = Buffer.concat([rest, buf.subarray(0, bytesRead)]);
        let start = 0;
        for (let nl = data.indexOf(newline); nl >= 0; nl = data.indexOf(newline, start)) {
          const line = data.subarray(start, nl);
          start = nl + 1;
          let parsed;
          try {
            parsed = parseCriLine(line);
          } catch {
            continue; // a torn line from a writer killed mid-write; skip it as the kubelet does
          }
          const msg = assembler.push(parsed);
          if (msg && wanted(msg)) yield msg;
        }
        rest = Buffer.from(data.subarray(start));
      }

      if (!opts.follow || stopping || opts.signal?.aborted) break;
      if (opts.stopWhen && (await opts.stopWhen())) {
        stopping = true; // one more pass picks up what was written before the stop
        continue;
      }

      // Rotated (another file at the path) or truncated? The writer may still append to the
      // old file for a moment after the new one appears; once the new one has data the writer
      // has moved over, and after one more drain of the old file (the pass at the top of the
      // loop) nothing more can arrive there.
      let now;
      try {
        now = await fs.stat(path);
      } catch {
        now = undefined; // a rotation without a placeholder, mid-way
      }
      if (now && now.ino !== st.ino && now.size > 0) {
        if (!switchPending) {
          switchPending = true;
          continue;
        }
        switchPending = false;
        await fh.close();
        fh = await fs.open(path, "r");
        st = await fh.stat();
        pos = 0;
        rest = Buffer.alloc(0);
        continue;
      }
      if (now && now.ino === st.ino && now.size < pos) {
        pos = 0;
        rest = Buffer.alloc(0);
        continue;
      }
      await sleep(pollMs, opts.signal);
    }

    if (!opts.signal?.aborted) for (const m of assembler.flush()) if (wanted(m)) yield m;
  } finally {
    await fh.close();
  }
}
