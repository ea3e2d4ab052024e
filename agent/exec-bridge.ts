// Exec and Attach streams: the first ExecInput names the pod, container and command; then
// stdin, resizes and close-stdin flow in, stdout/stderr flow out, and ExecExit ends the
// stream once the process has exited and its output is delivered.

import type { ServerDuplexStream } from "@grpc/grpc-js";
import { ExecOutput, type ExecInput } from "../proto/gen/agent";
import type { ContainerRuntime, ExecProcess } from "../runtime/types";
import { containerName, findPod, runningInstance } from "./container-lookup";
import { AgentRpcError, Code, endWith } from "./grpc-status";
import type { PodManager } from "./pod-manager";

type Call = ServerDuplexStream<ExecInput, ExecOutput>;

function ended(stream: NodeJS.ReadableStream | undefined): Promise<void> {
  if (!stream) return Promise.resolve();
  const state = stream as NodeJS.ReadableStream & { readableEnded?: boolean; destroyed?: boolean };
  if (state.readableEnded || state.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once("end", resolve);
    stream.once("close", resolve);
    stream.once("error", () => resolve());
  });
}

export function handleExec(call: Call, pods: PodManager, runtime: ContainerRuntime, mode: "exec" | "attach"): void {
  let proc: ExecProcess | undefined;
  let starting = false;
  let cancelled = false;
  let exited = false;
  const pending: ExecInput[] = [];

  // Input flow control: while the process's stdin is full, stop reading the call, so a client
  // that sends faster than the process reads is held back by gRPC flow control instead of
  // piling up in the agent's memory.
  const resumeCall = () => call.resume();
  const writeStdin = (data: Buffer) => {
    const stdin = proc?.stdin;
    if (!stdin || exited || !(stdin as NodeJS.WritableStream & { writable?: boolean }).writable) return;
    if (!stdin.write(data)) {
      call.pause();
      stdin.once("drain", resumeCall);
    }
  };
  const apply = (m: ExecInput) => {
    const i = m.input;
    if (!proc || !i) return;
    if (i.$case === "stdin") writeStdin(i.stdin);
    // A 0x0 size (kubectl sends one when it has no terminal size) is no size: ignore it.
    else if (i.$case === "resize" && i.resize.width > 0 && i.resize.height > 0 && !exited) proc.resize(i.resize.width, i.resize.height);
    else if (i.$case === "closeStdin" && !exited) proc.stdin?.end();
  };
  // Output flow control: a client that stops reading pauses the process's output.
  const relay = (stream: NodeJS.ReadableStream, toMessage: (b: Buffer) => ExecOutput | undefined) => {
    const resume = () => stream.resume();
    stream.on("data", (b: Buffer | string) => {
      const message = toMessage(Buffer.from(b));
      if (message && !call.write(message) && !cancelled) {
        stream.pause();
        call.once("drain", resume);
      }
    });
  };

  const start = async (m: ExecInput) => {
    if (m.input?.$case !== "start") throw new AgentRpcError(Code.INVALID_ARGUMENT, "the first message must be ExecStart");
    const s = m.input.start;
    const w = findPod(pods, s.pod);
    const name = containerName(w, s.container, false);
    const inst = runningInstance(w, name);
    if (mode === "exec" && s.command.length === 0) throw new AgentRpcError(Code.INVALID_ARGUMENT, "exec needs a command");
    if (mode === "attach" && s.command.length > 0) throw new AgentRpcError(Code.INVALID_ARGUMENT, "attach takes no command");
    // The client's terminal size, when the master knew it before starting (it waits briefly for
    // kubectl's first resize): an exec's pty is made at that size, so the command never sees 80x24.
    const size = s.tty && s.initialSize && s.initialSize.width > 0 && s.initialSize.height > 0 ? { cols: s.initialSize.width, rows: s.initialSize.height } : undefined;
    try {
      proc =
        mode === "exec"
          ? await runtime.exec(inst.id, { args: s.command, tty: s.tty, stdin: s.stdin, ...(size ? { terminalSize: size } : {}) })
          : await runtime.attach(inst.id, { stdin: s.stdin, tty: s.tty });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (mode === "exec" && code !== "FailedPrecondition" && code !== "NotFound") {
        // The command could not be started at all: report it as a shell would.
        call.write(ExecOutput.fromPartial({ output: { $case: "exit", exit: { code: 126, reason: "StartError", message: (err as Error).message } } }));
        call.end();
        return;
      }
      throw err;
    }
    if (cancelled) {
      proc.kill("SIGKILL");
      return;
    }
    // Attach joins the container's own terminal, which exists already: the size applies from now.
    if (mode === "attach" && size) proc.resize(size.cols, size.rows);
    relay(proc.stdout, (b) => (s.stdout || s.tty ? ExecOutput.fromPartial({ output: { $case: "stdout", stdout: b } }) : undefined));
    if (proc.stderr) relay(proc.stderr, (b) => (s.stderr ? ExecOutput.fromPartial({ output: { $case: "stderr", stderr: b } }) : undefined));
    // Listen for the ends now: they may come before the exit, and must not be missed.
    const outputsDone = Promise.all([ended(proc.stdout), ended(proc.stderr)]);
    for (const p of pending.splice(0)) apply(p);
    const code = await proc.exited;
    exited = true;
    // Input still arriving goes nowhere now; keep reading so the client is never stuck.
    call.resume();
    // Deliver the output before the exit, but never hang on a stream that does not close.
    await Promise.race([outputsDone, new Promise((r) => setTimeout(r, 2000))]);
    if (cancelled) return;
    const exit = code === 0 ? { code, reason: "", message: "" } : { code, reason: "NonZeroExitCode", message: `command terminated with non-zero exit code: ${code}` };
    call.write(ExecOutput.fromPartial({ output: { $case: "exit", exit } }));
    call.end();
  };

  call.on("data", (m: ExecInput) => {
    if (!starting) {
      starting = true;
      start(m).catch((err) => endWith(call, err));
      return;
    }
    if (proc) apply(m);
    else if (pending.length < MAX_PENDING_INPUTS) pending.push(m);
    else endWith(call, new AgentRpcError(Code.RESOURCE_EXHAUSTED, `more than ${MAX_PENDING_INPUTS} inputs arrived before the process started`));
  });
  call.on("end", () => {
    // The client half-closed: no more input. The process keeps running until it exits.
  });
  // The client went away (or the connection broke): nothing more can be delivered.
  const abandon = () => {
    if (cancelled) return;
    cancelled = true;
    proc?.kill("SIGKILL");
  };
  call.on("cancelled", abandon);
  call.on("error", abandon);
}

/** Inputs held while the process starts; a client has no reason to send more before output. */
const MAX_PENDING_INPUTS = 1024;
