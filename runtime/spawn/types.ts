// The messages between the spawn pool (spawn-pool.ts, main thread) and its workers
// (spawn-worker.ts): one request per child process, one result when it is done.

export interface SpawnRequest {
  argv: string[];
  cwd?: string;
  /** The child's whole environment (default: the agent's). */
  env?: Record<string, string>;
  /** Written to the child's stdin, which is then closed; stdin is /dev/null when absent. */
  input?: string;
  /** SIGTERM after this long (a syncPipe child is left alone: the caller kills what it started). */
  timeoutMs?: number;
  /** Own session and process group (conmon), so the child outlives the agent. */
  detached?: boolean;
  /** Give the child a pipe as fd 3 and report the first line it writes there (conmon's sync pipe). */
  syncPipe?: boolean;
  /** Output kept per stream; the rest is dropped. Default 16 MiB. */
  maxBuffer?: number;
}

export interface SpawnResult {
  /** Exit code, null when killed by a signal or never started. */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** The child could not be started (e.g. ENOENT): the error's message. */
  spawnError?: string;
  timedOut: boolean;
  /** syncPipe only: the first line on fd 3, undefined when it closed without one. */
  syncLine?: string;
}

export interface WorkerRequest {
  id: number;
  request: SpawnRequest;
}

export interface WorkerReply {
  id: number;
  result: SpawnResult;
}
