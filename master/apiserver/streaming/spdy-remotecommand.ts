// The Kubernetes remote-command protocol over SPDY (kubectl exec/attach/cp before 1.29, every
// client-go program before 1.30, and kubectl's fallback when the WebSocket upgrade fails), as
// the kubelet serves it. Pure: negotiation, which streams a session waits for, the error
// stream's payload, and the resize stream's decoder.
//
// The client asks for `Upgrade: SPDY/3.1` with `X-Stream-Protocol-Version` listing what it
// speaks, most preferred first; the server answers 101 naming the first one it also speaks. Then
// the client opens one SPDY stream per channel, each with a `streamType` header:
//
//   error   always; the server writes the outcome there and closes it
//   stdin   with stdin=true; the client half-closes it (FIN) at the end of its input
//   stdout  with stdout=true
//   stderr  with stderr=true (never with a TTY)
//   resize  with tty=true, from v3 on: a stream of {"Width":W,"Height":H} JSON values
//
// The session starts once every expected stream has arrived (the kubelet waits up to 30 s). At
// the end the server writes the outcome on the error stream and closes the connection:
//   v4 (and v5, which over SPDY is v4): a metav1.Status in JSON, Success or Failure; a
//      NonZeroExitCode Status carries the exit code, which kubectl exits with
//   v2, v3: nothing on success, otherwise the message as plain text (kubectl prints
//      "error executing remote command: <text>" and exits 1: exit codes are lost)

import { parseResize } from "./channel-protocol";
import type { StreamStatus } from "./channel-protocol";
import type { TerminalSize } from "./exec-bridge";

export const SPDY_V5 = "v5.channel.k8s.io";
export const SPDY_V4 = "v4.channel.k8s.io";
export const SPDY_V3 = "v3.channel.k8s.io";
export const SPDY_V2 = "v2.channel.k8s.io";
/** What we answer to; v1 (`channel.k8s.io`, Kubernetes 1.0-1.3, stdin unusable) is not served. */
export const SPDY_EXEC_PROTOCOLS: readonly string[] = [SPDY_V5, SPDY_V4, SPDY_V3, SPDY_V2];

/** How long the client has to open every stream, as the kubelet's default. */
export const STREAM_CREATION_TIMEOUT_MS = 30_000;

/** The client's first protocol we speak (the kubelet honours the client's order). */
export function negotiateSpdyExecProtocol(offered: readonly string[]): string | undefined {
  return offered.map((p) => p.trim()).find((p) => SPDY_EXEC_PROTOCOLS.includes(p));
}

export type StreamType = "error" | "stdin" | "stdout" | "stderr" | "resize";

export interface StreamChoice {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** The stream types a session waits for before it starts. */
export function expectedStreams(protocol: string, o: StreamChoice): Set<StreamType> {
  const types = new Set<StreamType>(["error"]);
  if (o.stdin) types.add("stdin");
  if (o.stdout) types.add("stdout");
  if (o.stderr && !o.tty) types.add("stderr");
  if (o.tty && protocol !== SPDY_V2) types.add("resize");
  return types;
}

/**
 * Pairs the client's streams with a session's channels as they arrive. `accept` says what to do
 * with a stream of a given type: take it, or refuse it (a type the session does not use, or one
 * it already has).
 */
export class StreamCollector<S> {
  private readonly got = new Map<StreamType, S>();

  constructor(private readonly expected: ReadonlySet<StreamType>) {}

  accept(type: string | undefined, stream: S): { ok: true } | { ok: false; reason: string } {
    if (!this.expected.has(type as StreamType)) return { ok: false, reason: `unexpected stream type ${JSON.stringify(type ?? "")}` };
    if (this.got.has(type as StreamType)) return { ok: false, reason: `a second ${type} stream` };
    this.got.set(type as StreamType, stream);
    return { ok: true };
  }

  get complete(): boolean {
    return this.got.size === this.expected.size;
  }

  get(type: StreamType): S | undefined {
    return this.got.get(type);
  }

  all(): S[] {
    return [...this.got.values()];
  }
}

/** What the error stream carries at the end of a session; undefined for nothing. */
export function errorStreamPayload(protocol: string, status: StreamStatus): Buffer | undefined {
  if (protocol === SPDY_V5 || protocol === SPDY_V4) return Buffer.from(JSON.stringify(status));
  if (status.status === "Success") return undefined;
  return Buffer.from(status.message ?? "error executing command");
}

/** A resize stream can hold at most this much without a complete value; more is not a size. */
const MAX_PENDING = 4096;

/**
 * Splits the resize stream into its JSON values (Go's json.Encoder writes each followed by a
 * newline, but the stream's frames may cut anywhere). After anything malformed it stops, as the
 * kubelet's decoder does: later data is ignored.
 */
export class ResizeDecoder {
  private pending = "";
  private broken = false;

  push(chunk: Buffer): TerminalSize[] {
    if (this.broken) return [];
    this.pending += chunk.toString("utf8");
    const sizes: TerminalSize[] = [];
    for (;;) {
      this.pending = this.pending.trimStart();
      if (this.pending === "") break;
      if (this.pending[0] !== "{") return this.stop(sizes);
      const end = this.pending.indexOf("}");
      if (end < 0) {
        if (this.pending.length > MAX_PENDING) return this.stop(sizes);
        break;
      }
      const size = parseResize(Buffer.from(this.pending.slice(0, end + 1)));
      if (!size) return this.stop(sizes);
      sizes.push(size);
      this.pending = this.pending.slice(end + 1);
    }
    return sizes;
  }

  private stop(sizes: TerminalSize[]): TerminalSize[] {
    this.broken = true;
    this.pending = "";
    return sizes;
  }
}
