// Decodes YAML request bodies on a worker thread. The yaml library is slow (about 0.5 MB/s for a
// map of many short keys: seconds for a 3 MiB body, which on the main thread would stall every
// request, watch and the leader lease) and recursive (about 1 KB of stack per level, so a body
// nested as deeply as JSON may be would overflow the main thread's stack, and near an overflow V8
// can abort the process). One worker with a large stack and a heap cap does the work, one body at
// a time; it starts on the first YAML body and is replaced if it dies or overruns its time.

import path from "node:path";
import { Worker } from "node:worker_threads";
import { ApiError, errors, type StatusReason } from "../../api/errors";

export interface YamlJob {
  id: number;
  bytes: Uint8Array;
  what: string;
}

export type YamlResult = { id: number; json: string; error?: undefined } | { id: number; error: { code: number; reason: StatusReason; message: string } };

/** A body that takes longer than this is refused (a 3 MiB map of short keys takes about 7 s). */
const DECODE_TIMEOUT_MS = 30_000;
/** Enough for the library's recursion to MAX_NESTING_DEPTH levels with a wide margin. */
const WORKER_STACK_MB = 32;
/** The composed document of a 3 MiB body of tiny keys takes a few hundred MB at most. */
const WORKER_HEAP_MB = 1024;

interface Pending {
  job: YamlJob;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class YamlDecoder {
  private worker: Worker | undefined;
  private readonly queue: Pending[] = [];
  private running: (Pending & { timer: NodeJS.Timeout }) | undefined;
  private nextId = 1;

  constructor(private readonly workerFile = path.join(__dirname, "yaml-decoder-worker.js")) {}

  /** Decodes one YAML document (see api/decode/yaml.ts); rejects with the ApiError it earned. */
  decode(bytes: Uint8Array, what: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { id: this.nextId++, bytes, what }, resolve, reject });
      this.pump();
    });
  }

  /** Stops the worker; queued bodies are refused. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.fail(new ApiError(503, "ServiceUnavailable", "the API server is shutting down"));
    await worker?.terminate();
  }

  private pump(): void {
    if (this.running || this.queue.length === 0) return;
    const next = this.queue.shift()!;
    const worker = this.ensureWorker();
    const timer = setTimeout(() => this.replaceWorker(errors.badRequest(`${next.job.what} could not be decoded from YAML within ${DECODE_TIMEOUT_MS / 1000}s; send it as JSON`)), DECODE_TIMEOUT_MS);
    this.running = { ...next, timer };
    worker.postMessage(next.job);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerFile, { resourceLimits: { stackSizeMb: WORKER_STACK_MB, maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    worker.unref(); // an idle decoder never keeps the master alive
    worker.on("message", (result: YamlResult) => this.finish(result));
    worker.on("error", (err) => {
      if (this.worker !== worker) return;
      const tooBig = (err as NodeJS.ErrnoException).code === "ERR_WORKER_OUT_OF_MEMORY";
      this.replaceWorker(tooBig ? errors.tooLarge("the YAML body needs more memory to decode than the server allows; send it as JSON") : ApiError.from(err));
    });
    worker.on("exit", () => {
      if (this.worker === worker) this.replaceWorker(new ApiError(500, "InternalError", "the YAML decoder stopped unexpectedly"));
    });
    this.worker = worker;
    return worker;
  }

  private finish(result: YamlResult): void {
    const running = this.running;
    if (!running || running.job.id !== result.id) return;
    clearTimeout(running.timer);
    this.running = undefined;
    if (result.error) running.reject(new ApiError(result.error.code, result.error.reason, result.error.message));
    else running.resolve(JSON.parse(result.json));
    this.pump();
  }

  /** Ends the running job with `err`, drops the worker (terminated in the background) and goes on. */
  private replaceWorker(err: ApiError): void {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) void worker.terminate().catch(() => undefined);
    const running = this.running;
    this.running = undefined;
    if (running) {
      clearTimeout(running.timer);
      running.reject(err);
    }
    this.pump();
  }

  private fail(err: ApiError): void {
    const running = this.running;
    this.running = undefined;
    if (running) {
      clearTimeout(running.timer);
      running.reject(err);
    }
    for (const p of this.queue.splice(0)) p.reject(err);
  }
}
