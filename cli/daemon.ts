// Starting a gantry daemon (the master for `gantry init`, the agent for `gantry join`) so that it
// stays running: where systemd is PID 1, as its unit (`gantry install <role>`, cli/install.ts);
// elsewhere (this VM, containers) under `gantry supervise` (cli/supervise.ts), detached in its own
// session, whose pid is in the pid file and whose log (the daemon's output and the supervisor's
// restart lines) is the log file. Either way a daemon that dies is back within a few seconds.
// scripts/daemons.sh does the same for `make up` / `make down`.

import { execFile, spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

export interface DaemonSpec {
  role: "master" | "agent";
  /** Flags after `gantry <role>`. */
  args: string[];
  /** The supervisor's pid file (unused under systemd). */
  pidFile: string;
  /** The supervisor's log file (systemd: the journal). */
  logFile: string;
}

const run = promisify(execFile);

export function systemdIsPid1(): boolean {
  return existsSync("/run/systemd/system");
}

/** The pid in `pidFile` if that process is alive. */
export async function runningPid(pidFile: string): Promise<number | undefined> {
  const text = await readFile(pidFile, "utf8").catch(() => "");
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Keeps `gantry <role> <args>` running unless it already is; returns the pid to watch (the unit's
 * main process, or the supervisor) and whether this call started it.
 */
export async function startDaemon(spec: DaemonSpec): Promise<{ pid: number; started: boolean; where: string }> {
  const gantry = [process.execPath, process.argv[1]];
  if (systemdIsPid1()) {
    const unit = `gantry-${spec.role}`;
    const active = await run("systemctl", ["is-active", "--quiet", unit]).then(() => true, () => false);
    if (!active) await run(gantry[0], [gantry[1], "install", spec.role, "--", ...spec.args]);
    const { stdout } = await run("systemctl", ["show", "-p", "MainPID", "--value", unit]);
    return { pid: Number(stdout.trim()), started: !active, where: `unit ${unit}` };
  }
  const existing = await runningPid(spec.pidFile);
  if (existing !== undefined) return { pid: existing, started: false, where: `supervisor pid ${existing}, log ${spec.logFile}` };
  await mkdir(path.dirname(spec.pidFile), { recursive: true });
  await mkdir(path.dirname(spec.logFile), { recursive: true });
  const out = openSync(spec.logFile, "a");
  try {
    const argv = [gantry[1], "supervise", "--name", spec.role, "--pid-file", spec.pidFile, "--log-file", spec.logFile, "--", ...gantry, spec.role, ...spec.args];
    const child = spawn(gantry[0], argv, { detached: true, stdio: ["ignore", out, out] });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start gantry ${spec.role}`);
    // The supervisor writes its pid file itself; wait for it so later checks find it.
    for (let i = 0; i < 100 && (await runningPid(spec.pidFile)) !== child.pid && alive(child.pid); i++) await new Promise((r) => setTimeout(r, 100));
    return { pid: child.pid, started: true, where: `supervisor pid ${child.pid}, log ${spec.logFile}` };
  } finally {
    closeSync(out);
  }
}

/** The last lines of a daemon's log, for an error message. */
export async function logTail(logFile: string, lines = 30): Promise<string> {
  if (systemdIsPid1()) return "(see journalctl -u gantry-master / gantry-agent)";
  const text = await readFile(logFile, "utf8").catch(() => "");
  return text.split("\n").slice(-lines - 1).join("\n");
}
