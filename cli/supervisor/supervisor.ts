// `gantry supervise`: keeps one daemon running where no systemd does (this VM, containers).
//
//   supervisor ──spawn (own process group, parent-death SIGTERM)──► daemon ──► its children
//        │ daemon died: end the rest of its group, log how it ended, restart (restart-policy.ts)
//        │ SIGTERM/SIGINT: pass it to the daemon, wait for it (SIGKILL to the group after
//        │                 stopTimeoutMs), then exit
//        └ its own pid in pidFile while it runs
//
// The daemon is started through `setpriv --pdeathsig SIGTERM` (setpriv execs it, so the pid is
// the daemon's), so a supervisor killed with SIGKILL still stops its daemon; on any other exit
// the supervisor SIGKILLs the group itself.

import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type pino from "pino";
import { withParentDeathSignal } from "../../master/store/parent-death";
import { endGroup, groupAlive, signalGroup } from "./process-group";
import { decideRestart, DEFAULT_RESTART_POLICY, describeExit, INITIAL_RESTART_STATE, type RestartPolicyOptions, type RestartState } from "./restart-policy";

export interface SupervisorOptions {
  /** Names the daemon in log lines, e.g. "master". */
  name: string;
  /** The daemon's argv. */
  command: string[];
  /** The supervisor's own pid goes here while it runs. */
  pidFile: string;
  /** The daemon's stdout and stderr are appended here; without it they are the supervisor's. */
  logFile?: string;
  /** After a stop request, how long the daemon gets before its group is SIGKILLed. */
  stopTimeoutMs: number;
  /** How long what is left of a dead daemon's group gets between SIGTERM and SIGKILL. Default 1000. */
  groupGraceMs?: number;
  policy?: RestartPolicyOptions;
  log: pino.Logger;
}

export class Supervisor {
  private child?: ChildProcess;
  private startedAt = 0;
  private restartState: RestartState = INITIAL_RESTART_STATE;
  private restartTimer?: NodeJS.Timeout;
  private stopTimer?: NodeJS.Timeout;
  private stopSignal?: NodeJS.Signals;
  /** Resolves run() with the supervisor's exit code. */
  private finish!: (code: number) => void;
  private readonly done = new Promise<number>((resolve) => (this.finish = resolve));
  /** The group of the daemon that runs or last ran, until it is empty. */
  private group?: number;

  constructor(private readonly o: SupervisorOptions) {}

  /** Runs until a stop request has been carried out; resolves with the exit code to use. */
  async run(): Promise<number> {
    await claimPidFile(this.o.pidFile);
    // Whatever ends this process, the daemon's group goes with it.
    process.on("exit", () => {
      if (this.group !== undefined) signalGroup(this.group, "SIGKILL");
    });
    for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => this.stop(signal));
    this.spawnDaemon();
    const code = await this.done;
    await releasePidFile(this.o.pidFile);
    return code;
  }

  /** Passes `signal` to the daemon and exits once it has ended; a second request kills its group. */
  stop(signal: NodeJS.Signals): void {
    if (this.stopSignal !== undefined) {
      this.o.log.warn({ signal }, `second stop request: killing ${this.o.name}'s process group`);
      if (this.group !== undefined) signalGroup(this.group, "SIGKILL");
      return;
    }
    this.stopSignal = signal;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.pid === undefined || !isRunning(child)) {
      this.o.log.info({ signal }, `stop requested; ${this.o.name} is not running`);
      void this.afterStop(null, null);
      return;
    }
    this.o.log.info({ signal, daemonPid: child.pid }, `stopping ${this.o.name}`);
    child.kill(signal);
    this.stopTimer = setTimeout(() => {
      this.o.log.warn({ daemonPid: child.pid, timeoutMs: this.o.stopTimeoutMs }, `${this.o.name} did not stop in time: killing its process group`);
      if (this.group !== undefined) signalGroup(this.group, "SIGKILL");
    }, this.o.stopTimeoutMs);
    this.stopTimer.unref();
  }

  private spawnDaemon(): void {
    const [command, ...args] = this.o.command;
    const argv = withParentDeathSignal(command, args, "SIGTERM");
    const out = this.o.logFile ? openSync(this.o.logFile, "a") : undefined;
    let child: ChildProcess;
    try {
      child = spawn(argv[0], argv[1], { detached: true, stdio: ["ignore", out ?? "inherit", out ?? "inherit"] });
    } finally {
      if (out !== undefined) closeSync(out);
    }
    this.child = child;
    this.startedAt = Date.now();
    if (child.pid !== undefined) this.group = child.pid;
    let ended = false;
    const onEnd = (code: number | null, signal: NodeJS.Signals | null) => {
      if (ended) return;
      ended = true;
      void this.onDaemonExit(child, code, signal);
    };
    child.once("exit", onEnd);
    child.once("error", (err) => {
      // A failed spawn emits only "error"; later errors (a failed kill) change nothing.
      this.o.log.error({ err }, `${this.o.name}: ${err.message}`);
      if (child.pid === undefined) onEnd(null, null);
    });
    if (child.pid !== undefined) this.o.log.info({ daemonPid: child.pid, command: this.o.command }, `started ${this.o.name}`);
  }

  private async onDaemonExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (child !== this.child) return;
    const ranForMs = Date.now() - this.startedAt;
    if (this.stopSignal !== undefined) return this.afterStop(code, signal);

    const decision = decideRestart(this.restartState, ranForMs, this.o.policy ?? DEFAULT_RESTART_POLICY);
    this.restartState = decision.state;
    const how = describeExit(code, signal);
    const loop = decision.crashLooping ? `; it keeps dying soon after starting (${decision.state.quickDeaths} times in a row): check its log and flags` : "";
    this.o.log[decision.crashLooping ? "error" : "warn"](
      { daemonPid: child.pid, code, signal, ranForMs, delayMs: decision.delayMs, quickDeaths: decision.state.quickDeaths },
      `${this.o.name} exited (${how}) after ${(ranForMs / 1000).toFixed(1)} s; restarting in ${decision.delayMs} ms${loop}`,
    );
    // The restart waits for both the delay and the end of the dead daemon's group (etcd still
    // holding its ports and data dir would fail the next master).
    const delay = new Promise<void>((resolve) => (this.restartTimer = setTimeout(resolve, decision.delayMs)));
    await Promise.all([this.endLeftovers(), delay]);
    if (this.stopSignal === undefined && this.child === child) this.spawnDaemon();
  }

  private async afterStop(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    clearTimeout(this.stopTimer);
    await this.endLeftovers();
    if (code !== null || signal !== null) this.o.log.info({ code, signal }, `${this.o.name} stopped (${describeExit(code, signal)})`);
    // A daemon ended by the signal we passed on, or exiting 0, stopped as asked.
    this.finish(code !== null && code !== 0 ? code : 0);
  }

  private async endLeftovers(): Promise<void> {
    const group = this.group;
    if (group === undefined) return;
    if (groupAlive(group)) await endGroup(group, this.o.groupGraceMs ?? 1000);
    if (this.group === group) this.group = undefined;
  }
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Writes our pid to `file`, unless it names another live supervisor. */
async function claimPidFile(file: string): Promise<void> {
  const other = Number((await readFile(file, "utf8").catch(() => "")).trim());
  if (Number.isInteger(other) && other > 0 && other !== process.pid && isSupervisor(other)) {
    throw new Error(`${file} names a running supervisor (pid ${other}); stop it first`);
  }
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${process.pid}\n`);
  await rename(tmp, file);
}

/** Removes `file` if it still holds our pid. */
async function releasePidFile(file: string): Promise<void> {
  const text = await readFile(file, "utf8").catch(() => "");
  if (text.trim() === String(process.pid)) await rm(file, { force: true });
}

function isSupervisor(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes("supervise");
  } catch {
    return false;
  }
}
