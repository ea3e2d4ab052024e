// Starting a container's monitor. conmon runs `runc create`, then stays with the container for
// its whole life: it holds the stdio pipes (or the pty), writes them to the CRI log, serves the
// attach socket and control FIFO, watches for OOM, and writes the exit code to
// <exit-dir>/<id> when the container ends.
//
// conmon double-forks and calls setsid() (unless --sync), so the monitor is not our child and
// not in our session: it survives the agent being killed. We learn the result through the
// sync pipe: conmon takes fd number $_OCI_SYNCPIPE and writes one JSON line to it, with api
// version 1 `{"data": <container pid>}` on success or `{"data": -1, "message": "<runc
// stderr>"}` on failure. (_OCI_STARTPIPE, which lets a caller move conmon into another cgroup
// before it forks, is not used: conmon stays in the agent's cgroup — see README.)

import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import type { ContainerPaths } from "./layout";
import { runcMessage } from "./runc-cli";

export interface ConmonLaunch {
  conmonPath: string;
  runcPath: string;
  runcRoot: string;
  systemdCgroup: boolean;
  id: string;
  paths: ContainerPaths;
  socketDir: string;
  tty: boolean;
  stdin: boolean;
  stdinOnce: boolean;
}

export function conmonArgs(l: ConmonLaunch): string[] {
  const p = l.paths;
  const args = [
    "--api-version", "1",
    "--cid", l.id,
    "--cuuid", p.cuuid,
    "--name", l.id,
    "--runtime", l.runcPath,
    "--runtime-arg", `--root=${l.runcRoot}`,
    "--bundle", p.bundle,
    "--container-pidfile", p.containerPid,
    "--conmon-pidfile", p.conmonPid,
    "--exit-dir", p.exitDir,
    "--persist-dir", p.persistDir,
    // k8s-file writes CRI lines. No --log-size-max: conmon "rotates" by truncating the file in
    // place, losing the old lines; log-rotation.ts renames to .1, .2 … and asks conmon to reopen.
    "--log-path", `k8s-file:${p.logPath}`,
    "--socket-dir-path", l.socketDir,
    "--log-level", "error",
  ];
  if (l.systemdCgroup) args.push("--systemd-cgroup");
  if (l.tty) args.push("--terminal");
  if (l.stdin) {
    args.push("--stdin");
    // Without stdinOnce the container's stdin outlives an attach session (CRI semantics).
    if (!l.stdinOnce) args.push("--leave-stdin-open");
  }
  return args;
}

export interface Launched {
  /** The container's init pid (in created state, waiting for `runc start`). */
  pid: number;
}

/** Runs conmon and waits for `runc create` to finish. Rejects with runc's message on failure.
 *  On timeout the monitor is killed (the caller then cleans the container up). */
export async function launchConmon(l: ConmonLaunch, timeoutMs: number): Promise<Launched> {
  const child = spawn(l.conmonPath, conmonArgs(l), {
    cwd: l.paths.persistDir, // conmon also drops an `oom` file in its cwd
    detached: true,
    stdio: ["ignore", "ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", _OCI_SYNCPIPE: "3" },
  });
  const sync = child.stdio[3] as NodeJS.ReadableStream & { destroy(): void };
  const stderr = child.stderr as NodeJS.ReadableStream & { destroy(): void };
  let errText = "";
  stderr.on("data", (d: Buffer) => {
    if (errText.length < 8192) errText += d.toString();
  });

  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const spawnFailed = new Promise<never>((_, reject) => child.on("error", (err) => reject(new Error(`cannot run ${l.conmonPath}: ${err.message}`))));

  const line = new Promise<string | undefined>((resolve) => {
    let buf = "";
    sync.on("data", (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf("\n");
      if (nl >= 0) resolve(buf.slice(0, nl));
    });
    sync.on("end", () => resolve(buf.includes("\n") ? buf.slice(0, buf.indexOf("\n")) : undefined));
    sync.on("close", () => resolve(undefined));
    sync.on("error", () => resolve(undefined));
  });

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });

  try {
    const first = await Promise.race([line, timedOut, spawnFailed]);
    if (first === "timeout") {
      await killMonitor(l.paths.conmonPid);
      throw new Error(`conmon for ${l.id} did not report within ${timeoutMs} ms`);
    }
    if (first === undefined) {
      // The sync pipe closed without a result: conmon failed before running runc.
      await Promise.race([exited, timedOut]);
      throw new Error(`conmon for ${l.id} exited without a result: ${errText.trim() || "no output"}`);
    }
    let msg: { data?: number; message?: string };
    try {
      msg = JSON.parse(first) as { data?: number; message?: string };
    } catch {
      throw new Error(`conmon for ${l.id} sent an unreadable sync message: ${first}`);
    }
    if (typeof msg.data !== "number" || msg.data <= 0) {
      throw new Error(runcMessage(msg.message ?? "") || `runc create failed (conmon reported ${msg.data})`);
    }
    // The intermediate conmon writes the monitor's pid file and exits right after forking.
    await Promise.race([exited, timedOut]);
    return { pid: msg.data };
  } finally {
    clearTimeout(timer);
    sync.destroy();
    stderr.destroy();
    child.unref();
  }
}

export async function readPidFile(file: string): Promise<number | undefined> {
  try {
    const n = Number.parseInt((await fs.readFile(file, "utf8")).trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` exists (signal 0 probes without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === "EPERM";
  }
}

/** The monitor's pid, if its pid file names a live conmon (pids get reused). */
export async function monitorPid(pidFile: string): Promise<number | undefined> {
  const pid = await readPidFile(pidFile);
  if (pid === undefined || !isAlive(pid)) return undefined;
  try {
    // "pid (comm) state …"; a zombie has exited already (init may be slow to reap it).
    const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8");
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return comm === "conmon" && state !== "Z" && state !== "X" ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Waits for the monitor to exit (it writes the exit file, then exits); SIGKILLs it after
 *  `timeoutMs` so nothing of ours lingers. */
export async function waitMonitorGone(pidFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await monitorPid(pidFile)) === undefined) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  await killMonitor(pidFile);
}

export async function killMonitor(pidFile: string): Promise<void> {
  const pid = await monitorPid(pidFile);
  if (pid === undefined) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
  for (let i = 0; i < 200 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 10));
}
