// The Kubernetes remote-command WebSocket protocol (kubectl exec/attach), versions 4 and 5.
// Every binary message starts with a channel byte:
//   0 stdin, 1 stdout, 2 stderr, 3 error/status (one metav1.Status JSON, then the server closes),
//   4 resize ({"Width":W,"Height":H}), 255 close (v5 only: [255, <channel>] half-closes a
//   channel; [255, 0] is end of stdin).
// Pure: framing, negotiation and the Status documents kubectl turns into its exit code.

import { decodeJson } from "../../../api/decode/json";

export const Channel = { stdin: 0, stdout: 1, stderr: 2, status: 3, resize: 4, close: 255 } as const;

export const V5 = "v5.channel.k8s.io";
export const V4 = "v4.channel.k8s.io";
/** In order of preference. */
export const SUPPORTED_PROTOCOLS = [V5, V4] as const;

/** The subprotocol to answer with, from the client's Sec-WebSocket-Protocol offer. */
export function selectProtocol(offered: Iterable<string>): string | undefined {
  const set = new Set([...offered].map((p) => p.trim()));
  return SUPPORTED_PROTOCOLS.find((p) => set.has(p));
}

export function frame(channel: number, data: Buffer | string): Buffer {
  const payload = typeof data === "string" ? Buffer.from(data) : data;
  const out = Buffer.allocUnsafe(payload.length + 1);
  out[0] = channel;
  payload.copy(out, 1);
  return out;
}

export type ClientFrame =
  | { kind: "stdin"; data: Buffer }
  | { kind: "resize"; width: number; height: number }
  | { kind: "close"; channel: number }
  | { kind: "ignored"; reason: string };

/** Decodes one message from the client. */
export function parseClientFrame(msg: Buffer, protocol: string): ClientFrame {
  if (msg.length === 0) return { kind: "ignored", reason: "empty message" };
  const channel = msg[0];
  const data = msg.subarray(1);
  switch (channel) {
    case Channel.stdin:
      return { kind: "stdin", data };
    case Channel.resize: {
      const size = parseResize(data);
      return size ? { kind: "resize", ...size } : { kind: "ignored", reason: "malformed resize" };
    }
    case Channel.close:
      if (protocol !== V5) return { kind: "ignored", reason: "close signal before v5" };
      return data.length === 1 ? { kind: "close", channel: data[0] } : { kind: "ignored", reason: "malformed close signal" };
    default:
      return { kind: "ignored", reason: `channel ${channel} is not written by clients` };
  }
}

/** `{"Width":W,"Height":H}` as kubectl writes it; undefined unless both are integers 0..65535. */
export function parseResize(data: Buffer): { width: number; height: number } | undefined {
  try {
    const v = decodeJson(data, "the resize message") as { Width?: unknown; Height?: unknown };
    const ok = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 65535;
    return ok(v.Width) && ok(v.Height) ? { width: v.Width, height: v.Height } : undefined;
  } catch {
    return undefined;
  }
}

export interface StreamStatus {
  metadata: Record<string, never>;
  status: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: { causes: { reason?: string; message: string }[] };
}

export function successStatus(): StreamStatus {
  return { metadata: {}, status: "Success" };
}

/** What kubectl turns into `command terminated with exit code N` and exit code N. */
export function exitCodeStatus(code: number, command: string[]): StreamStatus {
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: error executing command [${command.join(" ")}], exit code ${code}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(code) }] },
  };
}

/** Anything else that went wrong: kubectl prints the message and exits 1. */
export function errorStatus(message: string): StreamStatus {
  return { metadata: {}, status: "Failure", message, reason: "InternalError", details: { causes: [{ message }] } };
}
