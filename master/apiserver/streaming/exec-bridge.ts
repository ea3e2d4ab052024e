// One exec or attach session, whatever carries it to the client: the agent's Exec/Attach gRPC
// stream on one side, an ExecClientSide on the other (exec-websocket.ts: channel protocol v4/v5
// in WebSocket messages; exec-spdy.ts: one SPDY stream per channel). Output flows to the
// client's stdout and stderr; the agent's ExecExit becomes the final Status, after which the
// client side closes. Flow control both ways: while the client is behind, the agent's stream
// is paused; while the agent's stream is full, the client's input is.
//
// The terminal size of an exec with a TTY: the request (PodExecOptions) has no place for it;
// kubectl sends it as the first resize as soon as the connection is open. The agent makes the
// process's pty when it receives ExecStart, at ExecStart.initial_size if given. So with a TTY
// the ExecStart waits for that first resize, for at most FIRST_RESIZE_WAIT_MS (kubectl sends it
// at once; a client without a terminal size never does), and carries it: the process's terminal
// has its real size rather than 80x24 and a SIGWINCH moments later (runc copies the size to the
// container's terminal just after it starts the process, so a command's very first instruction
// can still see 0x0). Input that arrives meanwhile is held and follows the ExecStart in order.
// Waiting here rather than on the agent keeps the agent protocol explicit (the size is a field,
// not a guess about which message comes next), and costs nothing without a TTY. Attach joins a
// terminal that already exists, so its first resize is just a resize.

import type { ClientDuplexStream } from "@grpc/grpc-js";
import { ExecInput, type ExecOutput } from "../../../proto/gen/agent";
import { fromAgentError, type PodAgent } from "./agent-access";
import { errorStatus, exitCodeStatus, successStatus, type StreamStatus } from "./channel-protocol";
import type { ExecOptions } from "./options";

/** How long an exec with a TTY waits for the client's first terminal size (see above). */
export const FIRST_RESIZE_WAIT_MS = 100;

type Input = NonNullable<ExecInput["input"]>;
export type TerminalSize = { width: number; height: number };

export interface ExecSession {
  kind: "exec" | "attach";
  target: PodAgent;
  container: string;
  options: ExecOptions;
}

/** The client's end of a session, as a transport provides it. */
export interface ExecClientSide {
  /** Sends output; false when the client is behind, and `onDrain` will say when it caught up. */
  write(stream: "stdout" | "stderr", data: Buffer): boolean;
  /** Calls `fn` once the client has caught up after a write returned false. */
  onDrain(fn: () => void): void;
  /** Sends the final Status and closes the session (flushing what is queued first). */
  finish(status: StreamStatus): void;
  /** Stops reading the client's input until resumeInput(). */
  pauseInput(): void;
  resumeInput(): void;
}

/** What a transport tells the session about its client. */
export interface ExecBridge {
  stdin(data: Buffer): void;
  /** The client's stdin reached its end (v5 close signal, SPDY half-close). */
  closeStdin(): void;
  resize(size: TerminalSize): void;
  /** The client went away before the session finished (interrupted kubectl, dropped connection). */
  clientGone(): void;
}

export function startExecBridge(client: ExecClientSide, s: ExecSession): ExecBridge {
  const { target, options } = s;
  const call: ClientDuplexStream<ExecInput, ExecOutput> = s.kind === "exec" ? target.client.exec() : target.client.attach();
  let finished = false;
  let outputPaused = false;
  let inputPaused = false;
  let sizeTimer: NodeJS.Timeout | undefined;

  const send = (stream: "stdout" | "stderr", data: Buffer) => {
    if (finished) return;
    if (!client.write(stream, data) && !outputPaused) {
      outputPaused = true;
      call.pause();
      client.onDrain(() => {
        outputPaused = false;
        call.resume();
      });
    }
  };
  const finish = (status: StreamStatus) => {
    if (finished) return;
    finished = true;
    clearTimeout(sizeTimer);
    call.end();
    client.resumeInput();
    client.finish(status);
  };
  // Input flow control: while the agent's stream is full, stop reading the client, so TCP holds
  // a fast client back instead of our memory.
  const write = (input: Input) => {
    if (finished) return;
    if (!call.write(ExecInput.fromPartial({ input })) && !inputPaused) {
      inputPaused = true;
      client.pauseInput();
      call.once("drain", () => {
        inputPaused = false;
        client.resumeInput();
      });
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

  call.on("data", (out: ExecOutput) => {
    const o = out.output;
    if (!o) return;
    if (o.$case === "stdout") send("stdout", o.stdout);
    else if (o.$case === "stderr") send(options.tty || !options.stderr ? "stdout" : "stderr", o.stderr);
    else if (o.$case === "exit") {
      const { code, reason, message } = o.exit;
      if (reason === "StartError" && message) send(options.stderr && !options.tty ? "stderr" : "stdout", Buffer.from(`${message}\n`));
      finish(code === 0 ? successStatus() : exitCodeStatus(code, options.command));
    }
  });
  call.on("error", (err) => finish(errorStatus(fromAgentError(err, target).message)));
  call.on("status", (st) => {
    // Attach to a container that exits ends the stream without an exit code of its own.
    if (st.code === 0) finish(successStatus());
  });

  return {
    stdin: (data) => {
      if (options.stdin) input({ $case: "stdin", stdin: data });
    },
    closeStdin: () => {
      if (options.stdin) input({ $case: "closeStdin", closeStdin: {} });
    },
    resize: (size) => {
      // A terminal without a size (kubectl under `script` with no window) reports 0x0; like the
      // kubelet, keep the current size rather than ask for an impossible one.
      if (options.tty && size.width >= 1 && size.height >= 1) input({ $case: "resize", resize: size });
    },
    clientGone: () => {
      clearTimeout(sizeTimer);
      if (finished) return;
      // The client left before the process ended: stop it on the node.
      finished = true;
      call.cancel();
    },
  };
}
