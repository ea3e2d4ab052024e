// Child processes started off the main event loop. Node's spawn is synchronous until the child
// has exec'd: it forks the whole agent (page tables of a few hundred MiB) and waits for the
// child to be scheduled and exec. On a loaded 2-core node that is 10-50 ms per process during
// which the agent does nothing else, so a batch of pod starts (half a dozen processes each) was
// serialized by the event loop however many ran "in parallel". The pool's worker threads do the
// spawning; the main thread only posts a message and gets the result back.
//
// Short-lived commands only (runc start/kill/delete, mount, unshare, nsenter, CNI plugins, the
// conmon launcher): their output is collected whole. Processes whose streams a client reads
// (exec, attach, logs) are spawned where their streams are used.

import { availableParallelism } from "node:os";
import * as path from "node:path";
import { SHARE_ENV, Worker } from "node:worker_threads";
import type { SpawnRequest, SpawnResult, WorkerReply } from "./types";

export type { SpawnRequest, SpawnResult } from "./types";

interface Pending {
  resolve(r: SpawnResult): void;
  reject(e: Error): void;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, Pending>;
}

/** Two per CPU, 2 to 8: the wait is mostly for the child, not CPU of ours. */
export function defaultSpawnThreads(cpus: number): number {
  return Math.min(8, Math.max(2, 2 * cpus));
}

export class SpawnPool {
  private readonly workers: PoolWorker[] = [];
  private nextId = 1;

  constructor(readonly size: number = defaultSpawnThreads(availableParallelism())) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`spawn pool: the size must be a positive integer, not ${size}`);
  }

  /** Runs one child to completion in the least busy worker. */
  run(request: SpawnRequest): Promise<SpawnResult> {
    const w = this.pick();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      w.pending.set(id, { resolve, reject });
      // A worker with children in flight keeps the process alive, as the children would.
      if (w.pending.size === 1) w.worker.ref();
      w.worker.postMessage({ id, request });
    });
  }

  /** Ends every worker (tests); requests in flight fail. */
  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.worker.terminate()));
  }

  private pick(): PoolWorker {
    const idle = this.workers.find((w) => w.pending.size === 0);
    if (idle) return idle;
    if (this.workers.length < this.size) return this.start();
    return this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  private start(): PoolWorker {
    const worker = new Worker(path.join(__dirname, "spawn-worker.js"), { env: SHARE_ENV });
    const w: PoolWorker = { worker, pending: new Map() };
    worker.unref();
    worker.on("message", (m: WorkerReply) => {
      const p = w.pending.get(m.id);
      w.pending.delete(m.id);
      if (w.pending.size === 0) worker.unref();
      p?.resolve(m.result);
    });
    const fail = (err: Error) => {
      const i = this.workers.indexOf(w);
      if (i >= 0) this.workers.splice(i, 1);
      for (const p of w.pending.values()) p.reject(new Error(`spawn worker failed: ${err.message}`));
      w.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`exited with code ${code}`)));
    this.workers.push(w);
    return w;
  }
}

let shared: SpawnPool | undefined;

/** The process's pool, made on first use. */
export function spawnPool(): SpawnPool {
  shared ??= new SpawnPool();
  return shared;
}
