// exec/attach over WebSocket (channel protocol v5 or v4, channel-protocol.ts): kubectl 1.29 and
// later. Each binary message is one channel's bytes; the final Status goes on channel 3, after
// which the WebSocket closes normally, which kubectl reads as the end of every stream.

import type { RawData, WebSocket } from "ws";
import { Channel, frame, parseClientFrame } from "./channel-protocol";
import { startExecBridge, type ExecSession } from "./exec-bridge";

/** Stop the agent's output while this much is queued for a slow client, resume below LOW_WATER. */
const HIGH_WATER = 1 << 20;
const LOW_WATER = 1 << 18;

export function bridgeExec(ws: WebSocket, s: ExecSession & { protocol: string }): void {
  let drained: (() => void) | undefined;
  const afterSend = () => {
    if (drained && ws.bufferedAmount < LOW_WATER) {
      const fn = drained;
      drained = undefined;
      fn();
    }
  };
  const bridge = startExecBridge(
    {
      write(stream, data) {
        if (ws.readyState !== ws.OPEN) return true;
        ws.send(frame(stream === "stdout" ? Channel.stdout : Channel.stderr, data), afterSend);
        return ws.bufferedAmount <= HIGH_WATER;
      },
      onDrain(fn) {
        drained = fn;
      },
      finish(status) {
        if (ws.readyState !== ws.OPEN) return;
        ws.send(frame(Channel.status, JSON.stringify(status)), () => ws.close(1000));
      },
      pauseInput: () => ws.pause(),
      resumeInput: () => ws.resume(),
    },
    s,
  );
  ws.on("message", (data: RawData) => {
    const f = parseClientFrame(toBuffer(data), s.protocol);
    if (f.kind === "stdin") bridge.stdin(f.data);
    else if (f.kind === "resize") bridge.resize({ width: f.width, height: f.height });
    else if (f.kind === "close" && f.channel === Channel.stdin) bridge.closeStdin();
  });
  ws.on("close", () => bridge.clientGone());
  ws.on("error", () => ws.terminate());
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
