// One exec or attach session: the client's WebSocket (channel protocol v4/v5) on one side, the
// agent's Exec/Attach gRPC stream on the other. Output flows to channels 1 and 2; the agent's
// ExecExit becomes the Status on channel 3, after which the WebSocket closes normally, which
// kubectl reads as the end of every stream.
//
// The terminal size of an exec with a TTY: the request (PodExecOptions) has no place for it;
// kubectl sends it as the first message on the resize channel as soon as the WebSocket is open.
// The agent makes the process's pty when it receives ExecStart, at ExecStart.initial_size if
// given. So with a TTY the ExecStart waits for that first resize, for at most
// FIRST_RESIZE_WAIT_MS (kubectl sends it at once; a client without a terminal size never does),
// and carries it: the process's terminal has its real size rather than 80x24 and a SIGWINCH
// moments later (runc copies the size to the container's terminal just after it starts the
// process, so a command's very first instruction can still see 0x0). Input that arrives meanwhile is held and follows the ExecStart
// in order. Waiting here rather than on the agent keeps the agent protocol explicit (the size
// is a field, not a guess about which message comes next), and costs nothing without a TTY.
// Attach joins a terminal that already exists, so its first resize is just a resize.

import type { ClientDuplexStream } from "@grpc/grpc-js";
import type { RawData, WebSocket } from "ws";
import { ExecInput, type ExecOutput } from "../../../proto/gen/agent";
import { fromAgentError, type PodAgent } from "./agent-access";
import { Channel, errorStatus, exitCodeStatus, frame, parseClientFrame, successStatus, type StreamStatus } from "./channel-protocol";
import type { ExecOptions } from "./options";

/** Pause the agent's output while this much is queued for a slow client. */
const HIGH_WATER = 1 << 20;
const LOW_WATER = 1 << 18;

/** How long an exec with a TTY waits for the client's first terminal size (see above). */
export const FIRST_RESIZE_WAIT_MS = 100;

type Input = NonNullable<ExecInput["input"]>;
type TerminalSize = { width: number; height: number };

export interface ExecSession {
  kind: "exec" | "attach";
  protocol: string;
  target: PodAgent;
  container: string;
  options: ExecOptions;
}

export function bridgeExec(ws: WebSocket, s: ExecSession): void {
  const { target, options } = s;
  const call: ClientDuplexStream<ExecInput, ExecOutput> = s.kind === "exec" ? target.client.exec() : target.client.attach();
  let finished = false;
  let paused = false;
  let sizeTimer: NodeJS.Timeout | undefined;

  const send = (channel: number, data: Buffer | string) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(frame(channel, data), () => {
      if (paused && ws.bufferedAmount < LOW_WATER) {
        paused = false;
        call.resume();
      }
    });
    if (!paused && ws.bufferedAmount > HIGH_WATER) {
      paused = true;
      call.pause();
    }
  };
  const finish = (status: StreamStatus) => {
    if (finished) return;
    finished = true;
    clearTimeout(sizeTimer);
    call.end();
    ws.resume();
    if (ws.readyState !== ws.OPEN) return;
    ws.send(frame(Channel.status, JSON.stringify(status)), () => ws.close(1000));
  };
  // Input flow control: while the agent's stream is full, stop reading the WebSocket, so TCP
  // holds a fast client back instead of our memory.
  const resumeInput = () => ws.resume();
  const write = (input: Input) => {
    if (finished) return;
    if (!call.write(ExecInput.fromPartial({ input })) && !ws.isPaused) {
      ws.pause();
      call.once("drain", resumeInput);
    }
  };

  // Inputs that arrived before the ExecStart went out; undefined once it has.
  let held: Input[] | undefined = [];
  const start = (initialSize?: TerminalSize) => {
    clearTimeout(sizeTimer);
    const before = held ?? [];
    held = undefined;
    write({
      $case: "start",
      start: {
        pod: { uid: target.pod.metadata.uid ?? "", namespace: target.pod.metadata.namespace ?? "", name: target.pod.metadata.name ?? "" },
        container: s.container,
        command: s.kind === "exec" ? options.command : [],
        tty: options.tty,
        stdin: options.stdin,
        stdout: options.stdout,
        stderr: options.stderr,
        ...(initialSize ? { initialSize } : {}),
      },
    });
    for (const input of before) write(input);
  };
  if (s.kind === "exec" && options.tty) sizeTimer = setTimeout(() => start(), FIRST_RESIZE_WAIT_MS);
  else start();

  const input = (i: Input) => {
    if (!held) write(i);
    else if (i.$case === "resize") start(i.resize);
    else held.push(i);
  };
  ws.on("message", (data: RawData) => {
    const f = parseClientFrame(toBuffer(data), s.protocol);
    if (f.kind === "stdin" && options.stdin) input({ $case: "stdin", stdin: f.data });
    else if (f.kind === "resize" && options.tty) input({ $case: "resize", resize: { width: f.width, height: f.height } });
    else if (f.kind === "close" && f.channel === Channel.stdin) input({ $case: "closeStdin", closeStdin: {} });
  });
  ws.on("close", () => {
    clearTimeout(sizeTimer);
    if (finished) return;
    // The client left before the process ended (kubectl interrupted): stop it on the node.
    finished = true;
    call.cancel();
  });
  ws.on("error", () => ws.terminate());

  call.on("data", (out: ExecOutput) => {
    const o = out.output;
    if (!o) return;
    if (o.$case === "stdout") send(Channel.stdout, o.stdout);
    else if (o.$case === "stderr") send(options.tty || !options.stderr ? Channel.stdout : Channel.stderr, o.stderr);
    else if (o.$case === "exit") {
      const { code, reason, message } = o.exit;
      if (reason === "StartError" && message) send(options.stderr && !options.tty ? Channel.stderr : Channel.stdout, `${message}\n`);
      finish(code === 0 ? successStatus() : exitCodeStatus(code, options.command));
    }
  });
  call.on("error", (err) => finish(errorStatus(fromAgentError(err, target).message)));
  call.on("status", (st) => {
    // Attach to a container that exits ends the stream without an exit code of its own.
    if (st.code === 0) finish(successStatus());
  });
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
