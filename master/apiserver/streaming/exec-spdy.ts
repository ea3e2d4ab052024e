// exec/attach over SPDY/3.1 (spdy-remotecommand.ts has the protocol): the client's streams are
// collected until the session has each one it expects, then bridged to the agent's Exec/Attach
// stream by exec-bridge.ts, as the WebSocket protocols are.
//
// Flow control: SPDY streams share one connection and kubectl's spdystream keeps no per-stream
// windows, so holding the client back means not reading its connection (SpdySession.pause), and
// a client that reads slower than the process writes pauses the agent's stream until the
// connection drains. The end: the outcome on the error stream, every stream half-closed, then
// the connection closed once what is queued has been sent.

import { errorStatus, type StreamStatus } from "./channel-protocol";
import { startExecBridge, type ExecBridge, type ExecSession } from "./exec-bridge";
import { RstStatus } from "./spdy-frames";
import { errorStreamPayload, expectedStreams, ResizeDecoder, STREAM_CREATION_TIMEOUT_MS, StreamCollector } from "./spdy-remotecommand";
import type { SpdySession, SpdyStream } from "./spdy-session";

export function serveSpdyExec(session: SpdySession, protocol: string, s: ExecSession): void {
  const streams = new StreamCollector<SpdyStream>(expectedStreams(protocol, s.options));
  let bridge: ExecBridge | undefined;
  let ended = false;
  // Input that came before the last stream did: held (and the connection paused) until the start.
  const early: ((b: ExecBridge) => void)[] = [];
  const toBridge = (deliver: (b: ExecBridge) => void) => {
    if (bridge) deliver(bridge);
    else {
      early.push(deliver);
      session.pause();
    }
  };

  const end = (status: StreamStatus) => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    const payload = errorStreamPayload(protocol, status);
    const errorStream = streams.get("error");
    if (payload) errorStream?.write(payload);
    for (const stream of streams.all()) stream.end();
    session.end();
  };
  const timer = setTimeout(() => end(errorStatus(`timed out waiting for the client to create its streams (${STREAM_CREATION_TIMEOUT_MS / 1000} s)`)), STREAM_CREATION_TIMEOUT_MS);

  const start = () => {
    clearTimeout(timer);
    const stdout = streams.get("stdout");
    const stderr = streams.get("stderr");
    bridge = startExecBridge(
      {
        write: (which, data) => {
          const stream = (which === "stderr" ? stderr : stdout) ?? stdout;
          return stream ? stream.write(data) : true;
        },
        onDrain: (fn) => session.once("drain", fn),
        finish: end,
        pauseInput: () => session.pause(),
        resumeInput: () => session.resume(),
      },
      s,
    );
    for (const deliver of early.splice(0)) deliver(bridge);
    session.resume();
  };

  session.on("stream", (stream) => {
    const type = stream.headers.streamtype;
    const taken = bridge || ended ? { ok: false as const } : streams.accept(type, stream);
    const replied = session.reply(stream);
    if (!taken.ok) {
      void replied.then((ok) => ok && stream.reset(RstStatus.refusedStream));
      return;
    }
    if (type === "stdin") {
      stream.on("data", (d) => toBridge((b) => b.stdin(d)));
      stream.on("end", () => toBridge((b) => b.closeStdin()));
    } else if (type === "resize") {
      const decoder = new ResizeDecoder();
      stream.on("data", (d) => {
        for (const size of decoder.push(d)) toBridge((b) => b.resize(size));
      });
    }
    // Replies go out in order, so once this one has, the client has every reply and output may
    // follow.
    if (streams.complete) void replied.then((ok) => ok && !ended && !bridge && start());
  });
  session.on("close", () => {
    clearTimeout(timer);
    if (!ended) bridge?.clientGone();
    ended = true;
  });
}
