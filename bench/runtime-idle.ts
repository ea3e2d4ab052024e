// The agent's CPU with idle pods: what it costs a node to run pods that do nothing. Used by
// bench/runtime.ts (its footprint part) and on its own as `runtime-idle`, which sets up only
// what this needs: a registry with the test images, a real agent process (harness.ts), a
// Session as the dispatcher opens it (heartbeat 10 s), the image pre-pulled, BENCH_IDLE_PODS
// (100) `sleep 3600` pods in one delta, BENCH_IDLE_SETTLE_S (10) seconds to settle, then
// BENCH_IDLE_SAMPLE_S (60) seconds of sampling. Writes bench/results/runtime-idle.json.
//
// Measured from /proc/<pid>/stat over the sampling window: the agent's own utime+stime, the CPU
// of the children it spawned and reaped (cutime+cstime: `runc list`/`runc state`, `ip`, shells),
// and the summed utime+stime of the pods' conmon monitors (not the agent's children: conmon
// double-forks), each as a percentage of one core.

import os from "node:os";
import { performance } from "node:perf_hooks";
import { podCount, pollRunning, prePull, sleepPod, startBenchAgent, uidOf } from "./runtime-agent";
import { CleanupStack, clockTicks, cpuTicks, cpuTicksWithChildren, findProcesses, sleep, statusKiB } from "./runtime-proc";
import { round } from "./stats";

const PODS = Number(process.env.BENCH_IDLE_PODS ?? 100);
const SETTLE_S = Number(process.env.BENCH_IDLE_SETTLE_S ?? 10);
const SAMPLE_S = Number(process.env.BENCH_IDLE_SAMPLE_S ?? 60);

export interface IdleCpu {
  sampleSeconds: number;
  /** The agent process's own CPU, % of one core. */
  agentPercent: number;
  /** CPU of the processes the agent spawned and reaped meanwhile, % of one core. */
  childrenPercent: number;
  /** All conmon monitors of `needle`'s containers together, % of one core. */
  conmonPercent: number;
  conmons: number;
  /** The agent's VmRSS, sampled every second. */
  rssKiB: number[];
}

async function conmonTicks(pids: number[]): Promise<number> {
  let sum = 0;
  for (const pid of pids) sum += await cpuTicks(pid).catch(() => 0);
  return sum;
}

/** Samples the agent `pid` for `seconds` (and the conmons whose command line names `needle`). */
export async function sampleIdleCpu(pid: number, needle: string, seconds: number): Promise<IdleCpu> {
  const hz = await clockTicks();
  const conmons = await findProcesses("conmon", needle);
  const rssKiB: number[] = [];
  const a0 = await cpuTicksWithChildren(pid);
  const c0 = await conmonTicks(conmons);
  const s0 = performance.now();
  for (let i = 0; i < seconds; i++) {
    rssKiB.push((await statusKiB(pid, "VmRSS")) ?? NaN);
    await sleep(1000);
  }
  const a1 = await cpuTicksWithChildren(pid);
  const c1 = await conmonTicks(conmons);
  const sampleSeconds = (performance.now() - s0) / 1000;
  const percent = (ticks: number) => round((100 * ticks) / hz / sampleSeconds, 2);
  return {
    sampleSeconds: round(sampleSeconds, 1),
    agentPercent: percent(a1.own - a0.own),
    childrenPercent: percent(a1.children - a0.children),
    conmonPercent: percent(c1 - c0),
    conmons: conmons.length,
    rssKiB,
  };
}

export async function benchRuntimeIdle(): Promise<Record<string, unknown>> {
  const cleanup = new CleanupStack();
  cleanup.arm();
  const startedAt = performance.now();
  const loadAtStart = os.loadavg().map((l) => round(l, 2));
  try {
    const { busybox, dirs, agent, session } = await startBenchAgent(cleanup, "bench-idle");
    await prePull(agent.client, busybox);

    const pods = Array.from({ length: PODS }, (_, i) => sleepPod(`idle-${i}`, busybox));
    const t = performance.now();
    session.desired(pods, false);
    await pollRunning(agent.client, pods.map(uidOf), 100, 300_000);
    const allRunningMs = performance.now() - t;
    const running = await podCount(agent.client);
    console.log(`${running} pods running after ${round(allRunningMs)} ms; settling ${SETTLE_S} s, sampling ${SAMPLE_S} s`);
    await sleep(SETTLE_S * 1000);
    const idle = await sampleIdleCpu(agent.child.pid!, dirs.base, SAMPLE_S);
    const rssMiB = idle.rssKiB.map((k) => k / 1024);

    const tr = session.desired([], true);
    await session.until("every pod removed", () => session.known.size === 0, 180_000).catch((err: Error) => {
      const stream = session.endedHow ? `the session ended ${session.endedHow}` : "the session is open";
      throw new Error(`${err.message}; ${session.known.size} left, ${session.removedSeen} removals seen, ${stream}; the agent's log ends: ${agent.stderr().slice(-2000)}`);
    });
    return {
      benchmark: "runtime-idle",
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version, kernel: os.release() },
      footprint: {
        method: `${running} pods running sleep 3600 (image cached, loopback pod network), a master Session open (heartbeat 10 s), ${SETTLE_S} s settled, then utime+stime of the agent process over ${idle.sampleSeconds} s from /proc/<pid>/stat`,
        idlePods: running,
        sampleSeconds: idle.sampleSeconds,
        idleCpuPercent: idle.agentPercent,
        idleChildrenCpuPercent: idle.childrenPercent,
        idleCpuPercentWithChildren: round(idle.agentPercent + idle.childrenPercent, 2),
        conmonCpuPercent: idle.conmonPercent,
        conmons: idle.conmons,
        agentRssMiB: { mean: round(rssMiB.reduce((a, b) => a + b, 0) / rssMiB.length, 1), max: round(Math.max(...rssMiB), 1) },
        allRunningMs: round(allRunningMs),
        removeAllMs: round(performance.now() - tr),
      },
      loadAverage: { atStart: loadAtStart, atEnd: os.loadavg().map((l) => round(l, 2)) },
    };
  } finally {
    const failures = await cleanup.run();
    if (failures.length > 0) console.error(`runtime-idle bench: cleanup incomplete: ${failures.join("; ")}`);
    console.log(`runtime-idle: ${round((performance.now() - startedAt) / 1000, 1)} s`);
  }
}
