// A daemon's process group: the daemon is its leader (spawned detached, so in a session of its
// own), and whatever it started without detaching (the master's etcd member, an agent's
// `runc exec`) is in it too. Containers are not: conmon detaches into a session of its own, so
// ending a dead agent's group leaves them running.

import { readdirSync, readFileSync } from "node:fs";

/**
 * True while a live (not zombie) process is in group `pgid`. Orphans are reaped by PID 1, which
 * on some hosts takes a second; a zombie holds nothing, so it does not count.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    // EPERM: someone is there, we just may not signal it.
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return livingMembers(pgid).length > 0;
}

/** Pids in group `pgid` that are not zombies, from /proc/<pid>/stat. */
export function livingMembers(pgid: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ")".
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z" && state !== "X") pids.push(Number(name));
  }
  return pids;
}

/** Sends `signal` to every process in group `pgid`; false if none is left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Ends what is left of group `pgid`: SIGTERM, then SIGKILL after `graceMs`. Resolves once the
 * group is empty (or, if SIGKILL did not empty it within a second, gives up and resolves).
 */
export async function endGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pgid, "SIGTERM")) return;
  if (await emptyWithin(pgid, graceMs)) return;
  signalGroup(pgid, "SIGKILL");
  await emptyWithin(pgid, 1000);
}

async function emptyWithin(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}
