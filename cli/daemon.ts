// Starting a gantry daemon in the background, the way scripts/up.sh did: a detached process in
// its own session, output appended to a log file, its pid in a pid file. `gantry init` and
// `gantry join` start the master and the agent with it; the systemd units and the supervisor
// (JOIN-PLAN.md) replace this one function.

import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

export interface DaemonSpec {
  name: string;
  /** Arguments after `gantry`, e.g. ["master", "--data-dir", ...]. */
  args: string[];
  pidFile: string;
  logFile: string;
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

/** Starts `gantry <args>` detached unless the pid file names a live process; returns the pid. */
export async function startDaemon(spec: DaemonSpec): Promise<{ pid: number; started: boolean }> {
  const existing = await runningPid(spec.pidFile);
  if (existing !== undefined) return { pid: existing, started: false };
  await mkdir(path.dirname(spec.pidFile), { recursive: true });
  await mkdir(path.dirname(spec.logFile), { recursive: true });
  const out = openSync(spec.logFile, "a");
  try {
    const child = spawn(process.execPath, [process.argv[1], ...spec.args], { detached: true, stdio: ["ignore", out, out] });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${spec.name}`);
    await writeFile(spec.pidFile, `${child.pid}\n`);
    return { pid: child.pid, started: true };
  } finally {
    closeSync(out);
  }
}

/** The last lines of a daemon's log, for an error message. */
export async function logTail(logFile: string, lines = 30): Promise<string> {
  const text = await readFile(logFile, "utf8").catch(() => "");
  return text.split("\n").slice(-lines - 1).join("\n");
}
