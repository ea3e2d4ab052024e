// The CRI container log format, as conmon's k8s-file driver writes it:
//
//   2026-11-22T00:08:09.050699655+00:00 stdout F hello
//   <RFC3339Nano time>                  <stream> <tag> <content>\n
//
// tag F ends a line; P marks a fragment (conmon got a chunk without a newline, or a line
// longer than its buffer), continued by the following lines of the same stream until an F.
// A message is the fragments of one stream joined up to and including the F line.

export type CriStream = "stdout" | "stderr";

export interface CriLogLine {
  /** As written (keeps the writer's nanoseconds and zone). */
  time: string;
  /** Nanoseconds since the epoch, for comparisons. */
  timeNs: bigint;
  stream: CriStream;
  partial: boolean;
  content: Buffer;
}

export interface CriLogMessage {
  /** Time of the message's first fragment. */
  time: string;
  timeNs: bigint;
  stream: CriStream;
  /** Without the newline. */
  content: Buffer;
  /** True only for a message whose end was never written (the container exited, or the log
   *  was cut, mid-line); print it without a newline. */
  partial: boolean;
}

const timePattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** RFC 3339 with up to nanosecond precision → nanoseconds since the epoch. */
export function parseRfc3339Nano(text: string): bigint {
  const m = timePattern.exec(text);
  if (!m) throw new Error(`not an RFC 3339 time: ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s, frac = "", zone] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  let offsetMin = 0;
  if (zone !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1;
    offsetMin = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  }
  const nanos = BigInt(frac.padEnd(9, "0") || "0");
  return (BigInt(ms) - BigInt(offsetMin) * 60_000n) * 1_000_000n + nanos;
}

/** Formats nanoseconds since the epoch as RFC3339Nano in UTC (as Kubernetes prints them). */
export function formatRfc3339Nano(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // …T…:…:ss.mmmZ
  const frac = (ns % 1_000_000_000n).toString().padStart(9, "0");
  return `${iso.slice(0, 19)}.${frac}Z`;
}

/** Parses one log line (without its trailing newline). Throws on anything malformed. */
export function parseCriLine(line: Buffer): CriLogLine {
  const sp1 = line.indexOf(0x20);
  const sp2 = sp1 < 0 ? -1 : line.indexOf(0x20, sp1 + 1);
  if (sp2 < 0) throw new Error(`malformed CRI log line: ${JSON.stringify(line.subarray(0, 80).toString())}`);
  const time = line.subarray(0, sp1).toString("latin1");
  const stream = line.subarray(sp1 + 1, sp2).toString("latin1");
  if (stream !== "stdout" && stream !== "stderr") throw new Error(`malformed CRI log line: unknown stream ${JSON.stringify(stream)}`);
  // The tag field is optional in the oldest writers; when present it is exactly "P" or "F".
  let partial = false;
  let contentStart = sp2 + 1;
  const tag = line[sp2 + 1];
  if ((tag === 0x50 || tag === 0x46) && (line.length === sp2 + 2 || line[sp2 + 2] === 0x20)) {
    partial = tag === 0x50;
    contentStart = Math.min(line.length, sp2 + 3);
  }
  return { time, timeNs: parseRfc3339Nano(time), stream, partial, content: line.subarray(contentStart) };
}

export function formatCriLine(time: string, stream: CriStream, partial: boolean, content: string | Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${time} ${stream} ${partial ? "P" : "F"} `), Buffer.from(content), Buffer.from("\n")]);
}

/** Joins P fragments per stream into whole messages. */
export class CriAssembler {
  private pending = new Map<CriStream, { time: string; timeNs: bigint; parts: Buffer[] }>();

  push(line: CriLogLine): CriLogMessage | undefined {
    const open = this.pending.get(line.stream);
    if (line.partial) {
      if (open) open.parts.push(line.content);
      else this.pending.set(line.stream, { time: line.time, timeNs: line.timeNs, parts: [line.content] });
      return undefined;
    }
    if (!open) return { time: line.time, timeNs: line.timeNs, stream: line.stream, content: line.content, partial: false };
    this.pending.delete(line.stream);
    return { time: open.time, timeNs: open.timeNs, stream: line.stream, content: Buffer.concat([...open.parts, line.content]), partial: false };
  }

  /** Unfinished messages, oldest first, marked partial. */
  flush(): CriLogMessage[] {
    const out = [...this.pending.entries()].map(([stream, p]) => ({ time: p.time, timeNs: p.timeNs, stream, content: Buffer.concat(p.parts), partial: true }));
    this.pending.clear();
    return out.sort((a, b) => (a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : 0));
  }
}
