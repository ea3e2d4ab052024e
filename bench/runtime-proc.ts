// Helpers of bench/runtime.ts: process accounting from /proc (RSS, CPU ticks, conmon monitors),
// timing summaries, and a cleanup stack that also runs when the benchmark is interrupted.

import { promises as fs } from "node:fs";
import { execFile } from "node:child_process";
import { percentile, round } from "./stats";

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (sysconf(_SC_CLK_TCK)). */
export async function clockTicks(): Promise<number> {
  return new Promise((resolve) => {
    execFile("getconf", ["CLK_TCK"], (err, stdout) => {
      const n = Number(stdout.trim());
      resolve(!err && n > 0 ? n : 100);
    });
  });
}

/** utime + stime of a process, in clock ticks. */
export async function cpuTicks(pid: number): Promise<number> {
  return (await cpuTicksWithChildren(pid)).own;
}

/** A process's own CPU (utime + stime) and that of its children it has waited for (cutime +
 *  cstime: the `runc`, `ip`, `sh` it spawned and reaped), in clock ticks. */
export async function cpuTicksWithChildren(pid: number): Promise<{ own: number; children: number }> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3 (state); utime is field 14, stime 15, cutime 16, cstime 17.
  return { own: Number(rest[11]) + Number(rest[12]), children: Number(rest[13]) + Number(rest[14]) };
}

/** A /proc/<pid>/status field in KiB (VmRSS, VmHWM, …); undefined when the process is gone. */
export async function statusKiB(pid: number, field: string): Promise<number | undefined> {
  const text = await fs.readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Pids whose command line has argv[0] ending in `/<name>` (or equal to it) and some argument
 *  containing `needle`. */
export async function findProcesses(name: string, needle: string): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await fs.readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await fs.readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "")).split("\0");
    if ((argv[0] === name || argv[0].endsWith(`/${name}`)) && argv.some((a) => a.includes(needle))) out.push(Number(entry));
  }
  return out;
}

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

/** Percentiles of millisecond samples (nearest rank, as stats.percentile). */
export function summarize(samples: readonly number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { n: s.length, p50: round(percentile(s, 50), 1), p90: round(percentile(s, 90), 1), p99: round(percentile(s, 99), 1), min: round(s[0] ?? NaN, 1), max: round(s[s.length - 1] ?? NaN, 1), mean: round(mean, 1) };
}

export function median(samples: readonly number[]): number {
  return round(percentile([...samples].sort((a, b) => a - b), 50), 1);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Cleanup steps run last-in-first-out; each step's failure is reported and the rest still run.
 *  SIGINT/SIGTERM while armed run the steps, then exit. */
export class CleanupStack {
  private steps: Array<{ what: string; fn: () => Promise<void> }> = [];
  private running: Promise<string[]> | undefined;
  private readonly onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`bench runtime: ${sig}: cleaning up\n`);
    void this.run().finally(() => process.exit(130));
  };

  arm(): void {
    process.on("SIGINT", this.onSignal);
    process.on("SIGTERM", this.onSignal);
  }

  add(what: string, fn: () => Promise<void>): void {
    this.steps.push({ what, fn });
  }

  /** Runs every step once; resolves with the failures ("what: message"). */
  run(): Promise<string[]> {
    this.running ??= (async () => {
      const failures: string[] = [];
      while (this.steps.length > 0) {
        const step = this.steps.pop()!;
        try {
          await step.fn();
        } catch (err) {
          failures.push(`${step.what}: ${(err as Error).message}`);
        }
      }
      process.off("SIGINT", this.onSignal);
      process.off("SIGTERM", this.onSignal);
      return failures;
    })();
    return this.running;
  }
}
