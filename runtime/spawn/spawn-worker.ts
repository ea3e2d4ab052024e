// A worker thread of the spawn pool (spawn-pool.ts): starts the child processes it is sent and
// reports each one's outcome. Starting a process blocks the thread that asks (Node forks the
// whole agent and waits for the child's exec), so doing it here keeps that wait off the main
// event loop.

import { spawn, type StdioOptions } from "node:child_process";
import { parentPort } from "node:worker_threads";
import type { Readable } from "node:stream";
import type { SpawnRequest, SpawnResult, WorkerReply, WorkerRequest } from "./types";

const DEFAULT_MAX_BUFFER = 16 << 20;

function collect(stream: Readable | null, max: number): () => string {
  const chunks: Buffer[] = [];
  let size = 0;
  stream?.on("data", (b: Buffer) => {
    if (size >= max) return;
    chunks.push(b);
    size += b.length;
  });
  stream?.on("error", () => undefined);
  return () => Buffer.concat(chunks).toString("utf8").slice(0, max);
}

/** The first line written to `stream`; undefined when it ends without one. */
function firstLine(stream: Readable): Promise<string | undefined> {
  return new Promise((resolve) => {
    let buf = "";
    stream.on("data", (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf("\n");
      if (nl >= 0) resolve(buf.slice(0, nl));
    });
    stream.on("end", () => resolve(undefined));
    stream.on("close", () => resolve(undefined));
    stream.on("error", () => resolve(undefined));
  });
}

export function runChild(req: SpawnRequest): Promise<SpawnResult> {
  return new Promise((resolve) => {
    const stdio: StdioOptions = [req.input === undefined ? "ignore" : "pipe", "pipe", "pipe"];
    if (req.syncPipe) stdio.push("pipe");
    let timedOut = false;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const child = spawn(req.argv[0], req.argv.slice(1), { cwd: req.cwd, env: req.env ?? process.env, detached: req.detached === true, stdio });
    const max = req.maxBuffer ?? DEFAULT_MAX_BUFFER;
    const stdout = collect(child.stdout, max);
    const stderr = collect(child.stderr, max);
    const finish = (r: Omit<SpawnResult, "stdout" | "stderr" | "timedOut">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, stdout: stdout(), stderr: stderr(), timedOut });
      if (req.syncPipe || req.detached) {
        // A monitor that outlives its launcher may hold these pipes for its whole life.
        for (const s of child.stdio) s?.destroy();
        child.unref();
      }
    };
    child.once("error", (e) => finish({ code: null, signal: null, spawnError: e.message }));
    if (req.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        if (req.syncPipe) finish({ code: null, signal: null });
        else child.kill("SIGTERM");
      }, req.timeoutMs);
    }
    if (child.stdin) {
      // A tool that exits without reading stdin closes the pipe; that is not an error here.
      child.stdin.on("error", () => undefined);
      child.stdin.end(req.input);
    }
    if (req.syncPipe) {
      // conmon: the line arrives once `runc create` is done; the launcher exits after forking
      // the monitor, which keeps fd 3 and stderr.
      const line = firstLine(child.stdio[3] as Readable);
      const exited = new Promise<[number | null, string | null]>((r) => child.once("exit", (code, signal) => r([code, signal])));
      void Promise.all([line, exited]).then(([syncLine, [code, signal]]) => finish({ code, signal, ...(syncLine !== undefined ? { syncLine } : {}) }));
    } else {
      child.once("close", (code, signal) => finish({ code, signal }));
    }
  });
}

parentPort?.on("message", (m: WorkerRequest) => {
  void runChild(m.request).then((result) => parentPort?.postMessage({ id: m.id, result } satisfies WorkerReply));
});
