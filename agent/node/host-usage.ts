// The host's memory and CPU use for NodeStatus, read straight from /proc: sampled every 10 s,
// so it must cost next to nothing (systeminformation's currentLoad runs `cat /proc/stat | grep
// cpu` through a synchronous shell on every call, which forks the whole agent).

import { promises as fs } from "node:fs";

export interface MemoryUsage {
  totalBytes: number;
  /** MemAvailable: what can be given to new work without swapping. */
  availableBytes: number;
}

/** MemTotal and MemAvailable of /proc/meminfo (given `text`, parses that instead). */
export async function readMemory(text?: string): Promise<MemoryUsage> {
  const info = text ?? (await fs.readFile("/proc/meminfo", "utf8"));
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(info)?.[1] ?? NaN) * 1024;
  return { totalBytes: kib("MemTotal"), availableBytes: kib("MemAvailable") };
}

interface CpuTimes {
  busy: number;
  total: number;
}

/** The aggregate `cpu` line of /proc/stat: busy (all but idle and iowait) and total jiffies. */
export function parseCpuLine(stat: string): CpuTimes {
  const line = /^cpu\s+(.*)$/m.exec(stat)?.[1] ?? "";
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  const busy = user + nice + system + irq + softirq + (steal || 0);
  return { busy, total: busy + idle + (iowait || 0) };
}

/** Host CPU in use, as a fraction of all CPUs, between one call and the next (the first call
 *  measures since boot). */
export class CpuLoad {
  private last: CpuTimes = { busy: 0, total: 0 };

  async sample(): Promise<number> {
    const now = parseCpuLine(await fs.readFile("/proc/stat", "utf8"));
    const busy = now.busy - this.last.busy;
    const total = now.total - this.last.total;
    this.last = now;
    return total > 0 ? Math.min(1, Math.max(0, busy / total)) : 0;
  }
}
