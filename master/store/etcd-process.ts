// Runs one etcd member as a child of the master and keeps it running: the master owns its
// etcd (DESIGN §1), so a crash of the member is repaired here, with back-off, rather than by
// an operator. Data lives in `dataDir` and is never wiped, so a restart resumes the member.

import { spawn, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { createInterface } from "node:readline";
import { clientUrlOf, etcdArgs, peerUrlOf, type EtcdMemberOptions } from "./etcd-args";
import { isHealthy } from "./etcd-health";
import type { EtcdClientTls } from "./etcd-tls";
import { withParentDeathSignal } from "./parent-death";

export { freePort, freePorts } from "./ports";

export interface EtcdProcessOptions extends EtcdMemberOptions {
  /** Default /usr/bin/etcd. */
  binary?: string;
  /** The health probe's client certificate; needed with `tls` (etcd asks every client for one). */
  healthClient?: EtcdClientTls;
  /** Receives etcd's log lines (zap JSON). Without it they are dropped, except the last few kept for errors. */
  log?: (line: string) => void;
  /** How long start() waits for a healthy member. Default 30000. */
  startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. Default 10000. */
  stopTimeoutMs?: number;
  /** First restart delay; doubles per consecutive crash. Default 1000. */
  restartDelayMs?: number;
  /** Ceiling of the restart delay. Default 10000. */
  maxRestartDelayMs?: number;
  /**
   * Ask the kernel to SIGTERM etcd when this process dies (via setpriv), so a crashed master
   * leaves no member holding the ports and data dir. Default true when /usr/bin/setpriv exists.
   */
  dieWithParent?: boolean;
}

export interface EtcdExit {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface EtcdProcessEvents {
  /** The member died without stop() being called; a restart follows. */
  exit: [EtcdExit];
  /** A restart is scheduled after `delayMs`. */
  restarting: [{ attempt: number; delayMs: number }];
  /** A restarted member is healthy again. */
  restarted: [{ attempt: number; pid: number }];
}

type State = "idle" | "starting" | "running" | "stopping";

const RECENT_LOG_LINES = 30;

export class EtcdProcess extends EventEmitter<EtcdProcessEvents> {
  private state: State = "idle";
  private child?: ChildProcess;
  private childExited?: Promise<void>;
  private starting?: Promise<void>;
  private restartTimer?: NodeJS.Timeout;
  private consecutiveCrashes = 0;
  private healthySince = 0;
  private readonly recentLog: string[] = [];

  constructor(readonly options: EtcdProcessOptions) {
    super();
  }

  /** URL clients use to reach this member, e.g. https://10.0.0.1:2379. */
  get clientUrl(): string {
    return clientUrlOf(this.options);
  }

  get peerUrl(): string {
    return peerUrlOf(this.options);
  }

  /** Pid of the running member, if any. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the member and resolves once it reports healthy. Calls while starting or running share that outcome. */
  start(): Promise<void> {
    if (this.state === "running") return Promise.resolve();
    if (this.state === "starting" && this.starting) return this.starting;
    if (this.state === "stopping") return Promise.reject(new Error(`etcd member ${this.options.name} is stopping; await stop() first`));
    this.state = "starting";
    this.starting = this.startOnce().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async startOnce(): Promise<void> {
    const binary = this.options.binary ?? "/usr/bin/etcd";
    this.consecutiveCrashes = 0;
    try {
      await access(binary, constants.X_OK).catch(() => {
        throw new Error(`etcd binary ${binary} is missing or not executable; install the etcd-server package`);
      });
      await this.launch();
    } catch (err) {
      await this.stop();
      throw err;
    }
    // stop() may have run while we waited; then the member is already gone again.
    if (this.state === "starting") this.state = "running";
  }

  /** SIGTERM, then SIGKILL after stopTimeoutMs; resolves when the member has exited. */
  async stop(): Promise<void> {
    this.state = "stopping";
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    const exited = this.childExited;
    if (child && exited && isAlive(child)) {
      child.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.options.stopTimeoutMs ?? 10_000)));
      const inTime = await Promise.race([exited.then(() => true), timedOut]);
      clearTimeout(timer);
      if (!inTime) {
        this.writeLog(`etcd ${this.options.name} ignored SIGTERM for ${this.options.stopTimeoutMs ?? 10_000}ms; sending SIGKILL`);
        child.kill("SIGKILL");
        await exited;
      }
    }
    this.state = "idle";
  }

  /** Spawns a child and waits until it is healthy; rejects if it exits or times out first. */
  private async launch(): Promise<void> {
    const child = this.spawnChild();
    const exited = this.childExited!;
    let gone = false;
    void exited.then(() => (gone = true));
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 30_000);
    while (!gone && (this.state === "starting" || this.state === "running")) {
      if (await isHealthy(this.clientUrl, 1000, this.options.healthClient)) {
        if (gone) break;
        this.healthySince = Date.now();
        return;
      }
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`etcd member ${this.options.name} was not healthy at ${this.clientUrl} within ${this.options.startTimeoutMs ?? 30_000}ms${this.logTail()}`);
      }
      await Promise.race([sleep(100), exited]);
    }
    if (!gone) throw new Error(`start of etcd member ${this.options.name} was interrupted by stop()`);
    throw new Error(`etcd member ${this.options.name} exited during start (code ${child.exitCode}, signal ${child.signalCode})${this.logTail()}`);
  }

  private spawnChild(): ChildProcess {
    const binary = this.options.binary ?? "/usr/bin/etcd";
    const args = etcdArgs(this.options);
    const dieWithParent = this.options.dieWithParent ?? true;
    // setpriv execs etcd, so the pid we hold is etcd's own.
    const [command, argv] = dieWithParent ? withParentDeathSignal(binary, args, "SIGTERM") : [binary, args];
    const child = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"], env: withoutEtcdEnv(process.env) });
    this.child = child;
    this.healthySince = 0;
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => this.writeLog(line));
    }
    this.childExited = new Promise<void>((resolve) => {
      let done = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (done) return;
        done = true;
        resolve();
        this.onChildExit(child, code, signal);
      };
      child.once("exit", finish);
      // A failed spawn emits only "error".
      child.once("error", (err) => {
        this.writeLog(`etcd spawn error: ${err.message}`);
        if (child.pid === undefined) finish(null, null);
      });
    });
    return child;
  }

  private onChildExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.child = undefined;
    // During start() and stop() an exit is reported through their promises, not restarted.
    if (this.state !== "running") return;
    this.emit("exit", { pid: child.pid ?? 0, code, signal });
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const maxDelay = this.options.maxRestartDelayMs ?? 10_000;
    // A member that stayed up longer than the longest back-off counts as recovered.
    if (this.healthySince > 0 && Date.now() - this.healthySince >= maxDelay) this.consecutiveCrashes = 0;
    const attempt = ++this.consecutiveCrashes;
    const delayMs = restartDelay(attempt, this.options.restartDelayMs ?? 1000, maxDelay);
    this.emit("restarting", { attempt, delayMs });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.restart(attempt);
    }, delayMs);
  }

  private async restart(attempt: number): Promise<void> {
    if (this.state !== "running") return;
    try {
      await this.launch();
      if (this.state === "running" && this.child?.pid !== undefined) this.emit("restarted", { attempt, pid: this.child.pid });
    } catch (err) {
      // The failed child's exit (or our SIGKILL on timeout) schedules the next attempt.
      this.writeLog(`etcd restart attempt ${attempt} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private writeLog(line: string): void {
    this.recentLog.push(line);
    if (this.recentLog.length > RECENT_LOG_LINES) this.recentLog.shift();
    this.options.log?.(line);
  }

  private logTail(): string {
    return this.recentLog.length === 0 ? "" : `; last log lines:\n${this.recentLog.slice(-10).join("\n")}`;
  }
}

/** Delay before restart `attempt` (1-based) of a crashing member: 1s, 2s, 4s, … capped. */
export function restartDelay(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(initialMs * 2 ** Math.max(0, attempt - 1), maxMs);
}

function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** etcd also reads ETCD_* variables; a stray one in our environment must not change the member. */
function withoutEtcdEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith("ETCD_")));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
