// Running another process in a live container with `runc exec`, as a child of the agent (an
// exec session is interactive and ends with its client, so it need not outlive the agent).
//
// Without a tty, runc hands our pipes straight to the process. With a tty, runc runs in the
// foreground under a pty made by node-pty: runc allocates the container-side terminal, copies
// between it and its own (our pty), and on SIGWINCH copies our pty's size to it — so
// pty.resize() is all a resize takes.

import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import { PassThrough, Writable } from "node:stream";
import * as pty from "node-pty";
import type { ExecProcess } from "../types";
import { quietStreamErrors } from "./quiet-streams";

export interface ExecRequest {
  runcPath: string;
  /** runc's global flags (--root …). */
  globalArgs: string[];
  id: string;
  args: string[];
  tty: boolean;
  stdin: boolean;
  env: string[];
  user?: { uid: number; gid: number; additionalGids: number[] };
  cwd?: string;
  /** Where runc writes the exec'd process's host pid, so kill() can signal it directly. */
  pidFile: string;
  /** Initial terminal size with a tty. */
  cols?: number;
  rows?: number;
}

export function runcExecArgs(r: ExecRequest): string[] {
  const args = [...r.globalArgs, "exec", "--pid-file", r.pidFile];
  if (r.tty) args.push("--tty");
  for (const e of r.env) args.push("--env", e);
  if (r.cwd) args.push("--cwd", r.cwd);
  if (r.user) {
    args.push("--user", `${r.user.uid}:${r.user.gid}`);
    for (const g of r.user.additionalGids) args.push("--additional-gids", String(g));
  }
  args.push(r.id, ...r.args);
  return args;
}

function exitCode(code: number | null, signal: NodeJS.Signals | null | number): number {
  if (code !== null) return code;
  if (typeof signal === "number") return signal > 0 ? 128 + signal : -1;
  if (signal) return 128 + (os.constants.signals[signal] ?? 0);
  return -1;
}

/** Signals the exec'd process itself when its pid is known (runc forwards most signals, but
 *  SIGKILL sent to runc would only kill runc). */
async function signalTarget(pidFile: string, fallback: () => void, signal: NodeJS.Signals): Promise<void> {
  try {
    const pid = Number.parseInt((await fs.readFile(pidFile, "utf8")).trim(), 10);
    if (Number.isInteger(pid) && pid > 0) {
      process.kill(pid, signal);
      return;
    }
  } catch {
    // no pid yet, or already gone
  }
  fallback();
}

function cleanupPidFile(pidFile: string): void {
  void fs.rm(pidFile, { force: true });
}

export function execWithPipes(r: ExecRequest): ExecProcess {
  const child = spawn(r.runcPath, runcExecArgs({ ...r, tty: false }), {
    stdio: [r.stdin ? "pipe" : "ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" },
  });
  // A process may exit (or close its stdin) while the client still sends input: writes then fail
  // with EPIPE. That is the client's input going nowhere, not an agent failure.
  quietStreamErrors(child.stdin, child.stdout, child.stderr);
  const exited = new Promise<number>((resolve) => {
    let code: number | undefined;
    let grace: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(grace);
      cleanupPidFile(r.pidFile);
      resolve(code ?? -1);
    };
    child.on("error", () => {
      code = 127;
      finish();
    });
    child.on("exit", (c, s) => {
      code = exitCode(c, s);
      // Normally 'close' follows once the pipes drain; a background process that inherited
      // them must not hold the session open forever.
      grace = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish();
      }, 2000);
    });
    child.on("close", finish);
  });
  return {
    stdin: child.stdin ?? undefined,
    stdout: child.stdout as NodeJS.ReadableStream,
    stderr: child.stderr as NodeJS.ReadableStream,
    resize: () => undefined,
    exited,
    kill: (signal: NodeJS.Signals = "SIGKILL") => void signalTarget(r.pidFile, () => child.kill(signal), signal),
  };
}

export function execWithTty(r: ExecRequest): ExecProcess {
  const term = pty.spawn(r.runcPath, runcExecArgs({ ...r, tty: true }), {
    name: "xterm",
    cols: r.cols ?? 80,
    rows: r.rows ?? 24,
    env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", TERM: "xterm" },
    // Raw bytes: output need not be UTF-8, and decoding here could split characters.
    encoding: null,
  });
  // node-pty rethrows socket errors other than EIO unless someone else listens for them.
  onPtyError(term, () => undefined);
  let running = true;
  const stdout = new PassThrough();
  // Output flow control: a client that stops reading pauses the pty (and so the process).
  term.onData((d: string | Buffer) => {
    if (!stdout.write(typeof d === "string" ? Buffer.from(d) : d)) term.pause();
  });
  stdout.on("drain", () => {
    if (running) term.resume();
  });
  const exited = new Promise<number>((resolve) =>
    term.onExit(({ exitCode: code, signal }) => {
      running = false;
      cleanupPidFile(r.pidFile);
      stdout.end();
      resolve(exitCode(code, signal ?? null));
    }),
  );
  const stdin = r.stdin ? ptyInput(term, () => running) : undefined;
  return {
    stdin,
    stdout,
    resize: (cols: number, rows: number) => {
      if (running) term.resize(cols, rows);
    },
    exited,
    kill: (signal: NodeJS.Signals = "SIGKILL") => void signalTarget(r.pidFile, () => term.kill(signal), signal),
  };
}

/** Input to a pty as a Writable with backpressure: node-pty queues writes the kernel has not
 *  taken yet without bound, so a write completes only once that queue is short again. After
 *  the process has exited, input is dropped. End of input on a terminal is ^D, as if typed. */
function ptyInput(term: pty.IPty, running: () => boolean): Writable {
  const waitForRoom = (cb: () => void) => {
    if (!running() || ptyQueuedWrites(term) < PTY_QUEUE_HIGH_WATER) cb();
    else setTimeout(() => waitForRoom(cb), 5);
  };
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (running()) term.write(chunk);
      waitForRoom(() => cb());
    },
    final(cb) {
      if (running()) term.write("\x04");
      cb();
    },
  });
}

/** Writes node-pty has queued for the pty but the kernel has not accepted yet. node-pty keeps
 *  this queue private (`_writeStream._writeQueue`, node-pty 1.x); exec.test.ts checks it is
 *  still there, so an upgrade that moves it fails a test instead of losing backpressure. */
export function ptyQueuedWrites(term: pty.IPty): number {
  const queue = (term as unknown as { _writeStream?: { _writeQueue?: unknown[] } })._writeStream?._writeQueue;
  return Array.isArray(queue) ? queue.length : 0;
}

const PTY_QUEUE_HIGH_WATER = 16;

function onPtyError(term: pty.IPty, handler: (err: Error) => void): void {
  (term as unknown as { on(event: "error", listener: (err: Error) => void): void }).on("error", handler);
}
