// Where the scheduler benchmark's scheduler runs:
//  - "master", the headline: a real `gantry master` process; the scheduler runs inside it as a
//    leader component, next to the API server, the controllers and the dispatcher, all of which
//    see the hollow nodes and the pods too. The master runs with a node monitor grace period of
//    300 s, the longest it accepts: hollow nodes send no heartbeats, and the run must not measure
//    the node lifecycle controller declaring them NotReady.
//  - "in-process": a real etcd member (startTestEtcd) and the production Scheduler component in
//    this process, built as master/leader-components.ts builds it: the scheduler alone, with its
//    own view (binds acknowledged, pending -> bound latency).
//
// BENCH_SCHED_MASTER_CPU_PROF=<dir> profiles the master during the measured phase only
// (profile(true) at the first create, profile(false) once every pod is bound), written to
// <dir>/master-<pid>-<n>.cpuprofile. Node 20 refuses --cpu-prof in NODE_OPTIONS, so a --require'd
// preload runs the inspector's profiler, switched by SIGUSR2.
// BENCH_SCHED_MASTER_NODE_FLAGS passes other node flags (e.g. --max-old-space-size=4096).

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ApiContext } from "../master/registry/context";
import { createLogger } from "../master/log";
import { createScheduler, type Scheduler } from "../master/scheduler";
import { EtcdStore } from "../master/store/etcd-store";
import { startTestEtcd } from "../master/store/testing";
import { startMaster } from "../test/helpers/master-process";

export type SchedulerMode = "master" | "in-process";

export interface BenchCluster {
  mode: SchedulerMode;
  store: EtcdStore;
  ctx: ApiContext;
  /** In-process mode only: the scheduler itself, for its metrics. */
  scheduler?: Scheduler;
  /** CPU seconds (user + system) the process running the scheduler has used so far. */
  cpuSeconds(): number;
  /** Starts (true) or stops and writes (false) the master's CPU profile, if one was asked for. */
  profile(on: boolean): void;
  stop(): Promise<void>;
}

/** User + system CPU seconds of a process, from /proc (Linux); NaN where there is none. */
export function procCpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS = 100;

// The in-thread inspector session answers synchronously, so a profile is complete once written.
const CPU_PROF_PRELOAD = `"use strict";
const inspector = require("node:inspector");
const fs = require("node:fs");
const path = require("node:path");
const session = new inspector.Session();
session.connect();
session.post("Profiler.enable");
let running = false;
let n = 0;
process.on("SIGUSR2", () => {
  if (!running) {
    running = true;
    session.post("Profiler.start");
    return;
  }
  running = false;
  session.post("Profiler.stop", (err, res) => {
    if (!err) fs.writeFileSync(path.join(__dirname, "master-" + process.pid + "-" + ++n + ".cpuprofile"), JSON.stringify(res.profile));
  });
});
`;

async function withMasterNodeFlags<T>(start: () => Promise<T>): Promise<{ value: T; profiling: boolean }> {
  const flags = [process.env.BENCH_SCHED_MASTER_NODE_FLAGS ?? ""];
  const profDir = process.env.BENCH_SCHED_MASTER_CPU_PROF;
  if (profDir) {
    mkdirSync(profDir, { recursive: true });
    const preload = path.join(path.resolve(profDir), "cpu-prof-preload.js");
    writeFileSync(preload, CPU_PROF_PRELOAD);
    flags.push(`--require=${preload}`);
  }
  const extra = flags.join(" ").trim();
  if (!extra) return { value: await start(), profiling: false };
  const saved = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = `${saved ?? ""} ${extra}`.trim();
  try {
    return { value: await start(), profiling: profDir !== undefined };
  } finally {
    if (saved === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved;
  }
}

export async function startBenchCluster(mode: SchedulerMode): Promise<BenchCluster> {
  if (mode === "master") {
    const { value: master, profiling } = await withMasterNodeFlags(() => startMaster({ args: ["--node-monitor-grace-period", "300"] }));
    const store = new EtcdStore({ endpoints: [master.etcdEndpoint], tls: master.etcdTls() });
    let profilingOn = false;
    return {
      mode,
      store,
      ctx: new ApiContext(store),
      cpuSeconds: () => procCpuSeconds(master.process.pid),
      profile(on) {
        if (!profiling || on === profilingOn) return;
        profilingOn = on;
        master.process.kill("SIGUSR2");
      },
      async stop() {
        await store.close();
        await master.stop();
      },
    };
  }
  const etcd = await startTestEtcd();
  const ctx = new ApiContext(etcd.store);
  const scheduler = createScheduler({ ctx, log: createLogger("bench-scheduler", "warn") });
  await scheduler.start();
  return {
    mode,
    store: etcd.store,
    ctx,
    scheduler,
    cpuSeconds: () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    },
    profile: () => {},
    async stop() {
      await scheduler.stop();
      await etcd.stop();
    },
  };
}
