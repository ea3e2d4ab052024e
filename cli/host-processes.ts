// Finding and stopping the gantry daemons of this host for `gantry reset`: by their pid files
// (what `gantry init`/`gantry join`/`make up` write), and by the data directory on their command
// line, which also finds a master or agent started in the foreground and the etcd member a
// killed master left behind. Matching is exact on the directory, never on a program name.

import { readFileSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { alive, runningPid } from "./daemon";

export interface HostProcess {
  pid: number;
  argv: string[];
}

/** Processes whose command line names `dir` as its --data-dir (`--data-dir X` or `--data-dir=X`). */
export async function processesWithDataDir(dir: string): Promise<HostProcess[]> {
  const want = path.resolve(dir);
  const found: HostProcess[] = [];
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const raw = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    const argv = raw.split("\0").filter((a) => a !== "");
    if (dataDirOf(argv) === want) found.push({ pid, argv });
  }
  return found;
}

function dataDirOf(argv: string[]): string | undefined {
  for (const [i, arg] of argv.entries()) {
    if (arg === "--data-dir" && argv[i + 1] !== undefined) return path.resolve(argv[i + 1]);
    if (arg.startsWith("--data-dir=")) return path.resolve(arg.slice("--data-dir=".length));
  }
  return undefined;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(pid: number, graceMs = 30_000): Promise<"stopped" | "killed" | "gone"> {
  if (!isRunning(pid)) return "gone";
  signal(pid, "SIGTERM");
  if (await exitedWithin(pid, graceMs)) return "stopped";
  signal(pid, "SIGKILL");
  await exitedWithin(pid, 10_000);
  return "killed";
}

/** The daemon in `pidFile` stopped (if alive) and the file removed; its pid, if there was one. */
export async function stopPidFile(pidFile: string): Promise<{ pid: number; how: string } | undefined> {
  const pid = await runningPid(pidFile);
  const result = pid === undefined ? undefined : { pid, how: await stopProcess(pid) };
  await rm(pidFile, { force: true });
  return result;
}

/** Alive and not a zombie (a dead child nobody has reaped yet still answers kill 0). */
function isRunning(pid: number): boolean {
  if (!alive(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function exitedWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
