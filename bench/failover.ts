// Failover benchmark: three real masters (each in its own test host with its own etcd member,
// test/helpers/ha-cluster.ts, as test/ha-failover.test.ts runs them), a write load with its
// checker running all along (bench/failover-checker.ts, in the client host), and the leader
// killed with SIGKILL BENCH_FAILOVER_KILLS times (default 10). After each kill the killed master
// is started again on its data dir, so every kill hits a 3-master cluster.
//
// Takeover, per kill, from SIGKILL of the leader's master process (this process's clock; every
// process runs on this host, so the masters' log timestamps and the checker's share it) to:
//  - firstBind (the headline): the checker's pod watch first sees a pod bound at an etcd revision
//    above the successor's epoch (its leader key's create revision), i.e. by the new leader's
//    scheduler. Probe pods are created every 100 ms, so one is always waiting.
//  - wonElection / componentsStarted: the successor's own log lines ("became leader; starting
//    leader components", "leader components started").
// Also recorded: whether the killed master's etcd member was etcd's raft leader. A new raft
// leader extends every lease by its full TTL plus an election timeout (etcd's lessor
// promotion), so those kills take about a second longer.
//
// Correctness under load (from the checker): acknowledged ConfigMap writes missing or changed at
// the end (must be 0), and watch events whose resourceVersion went back (must be none).
//
// BENCH_FAILOVER_KILLS (10), BENCH_FAILOVER_LEASE_TTL (--leader-lease-ttl, seconds; 2),
// BENCH_FAILOVER_WRITERS (concurrent ConfigMap writers; 4).

import type { ChildProcess } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { timingForTtl } from "../master/election/machine";
import { parseLog, startHaCluster, type HaCluster, type HaMaster, type LogLine } from "../test/helpers/ha-cluster";
import { raftLeaderAddress } from "../test/helpers/ha-observe";
import type { CheckerConfig } from "./failover-checker";
import { percentile, round } from "./stats";

const KILLS = Number(process.env.BENCH_FAILOVER_KILLS ?? 10);
const LEASE_TTL_SECONDS = Number(process.env.BENCH_FAILOVER_LEASE_TTL ?? 2);
const WRITERS = Number(process.env.BENCH_FAILOVER_WRITERS ?? 4);
const CHECKER = path.join(__dirname, "failover-checker.js");
const TAKEOVER_TIMEOUT_MS = 60_000;
/** Quiet time after a killed master is back, before the next kill. */
const SETTLE_MS = 3000;

interface Bind {
  name: string;
  rv: number;
  at: number;
}

interface KillResult {
  killed: string;
  successor: string;
  killedEtcdRaftLeader: boolean | undefined;
  epoch: number;
  wonElectionSeconds: number;
  componentsStartedSeconds: number;
  firstBindSeconds: number;
  /** Each leader component's start on the successor, ms, in start order. */
  componentStartMs: unknown;
}

/** The load and checks, running in the client host; binds as they are reported. */
class Checker {
  readonly binds: Bind[] = [];
  private summary?: Record<string, unknown>;
  private failure?: string;
  private readyResolve!: () => void;
  readonly ready = new Promise<void>((r) => (this.readyResolve = r));
  private done: Promise<void>;

  constructor(private readonly child: ChildProcess) {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (l) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(l) as Record<string, unknown>;
      } catch {
        return;
      }
      if (msg.type === "ready") this.readyResolve();
      else if (msg.type === "bound") this.binds.push(msg as unknown as Bind);
      else if (msg.type === "summary") this.summary = msg;
      else if (msg.type === "error") this.failure = String(msg.error);
    });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdin!.on("error", () => {});
    this.done = new Promise((resolve) => child.once("close", () => resolve()));
    void this.done.then(() => {
      if (!this.summary) this.failure ??= `checker exited without a summary: ${stderr.slice(-2000)}`;
      this.readyResolve();
    });
  }

  check(): void {
    if (this.failure) throw new Error(`failover checker: ${this.failure}`);
  }

  kill(): void {
    this.child.kill("SIGKILL");
  }

  async finish(): Promise<Record<string, unknown>> {
    this.child.stdin!.end("stop\n");
    await this.done;
    this.check();
    return this.summary!;
  }
}

/** A master's log lines, parsed once each. */
class LogFollower {
  private offset = 0;
  readonly lines: LogLine[] = [];
  constructor(readonly master: HaMaster) {}
  poll(): LogLine[] {
    const out = this.master.output();
    const end = out.lastIndexOf("\n") + 1;
    if (end > this.offset) {
      this.lines.push(...parseLog(out.slice(this.offset, end)));
      this.offset = end;
    }
    return this.lines;
  }
  last(msg: string, since = 0): LogLine | undefined {
    const lines = this.poll();
    for (let i = lines.length - 1; i >= 0; i--) if (lines[i].msg === msg && lines[i].time >= since) return lines[i];
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The master leading now (the highest epoch any master logged winning), once its scheduler binds. */
async function steadyLeader(logs: LogFollower[], checker: Checker): Promise<{ leader: HaMaster; epoch: number }> {
  return waitFor("a leader whose scheduler binds", () => {
    checker.check();
    let best: { leader: HaMaster; epoch: number } | undefined;
    for (const f of logs) {
      const won = f.last("became leader; starting leader components");
      if (won && typeof won.epoch === "number" && (!best || won.epoch > best.epoch) && f.master.running()) best = { leader: f.master, epoch: won.epoch };
    }
    if (!best) return undefined;
    const epoch = best.epoch;
    return checker.binds.some((b) => b.rv > epoch) ? best : undefined;
  }, TAKEOVER_TIMEOUT_MS, 200);
}

async function killOnce(cluster: HaCluster, logs: LogFollower[], checker: Checker): Promise<KillResult> {
  const { leader, epoch: before } = await steadyLeader(logs, checker);
  const raftLeader = await raftLeaderAddress(cluster);
  const killedEtcdRaftLeader = raftLeader === undefined ? undefined : raftLeader === leader.address;
  const killedAt = Date.now();
  await leader.kill("SIGKILL");
  const others = logs.filter((f) => f.master !== leader);
  const won = await waitFor("a successor", () => {
    checker.check();
    for (const f of others) {
      const line = f.last("became leader; starting leader components", killedAt);
      if (line && typeof line.epoch === "number" && line.epoch > before) return { follower: f, line, epoch: line.epoch };
    }
    return undefined;
  }, TAKEOVER_TIMEOUT_MS);
  const started = await waitFor("the successor's leader components", () => won.follower.last("leader components started", killedAt), TAKEOVER_TIMEOUT_MS);
  const bind = await waitFor("a bind by the successor's scheduler", () => checker.binds.find((b) => b.rv > won.epoch), TAKEOVER_TIMEOUT_MS);
  const result: KillResult = {
    killed: leader.name,
    successor: won.follower.master.name,
    killedEtcdRaftLeader,
    epoch: won.epoch,
    wonElectionSeconds: (won.line.time - killedAt) / 1000,
    componentsStartedSeconds: (started.time - killedAt) / 1000,
    firstBindSeconds: (bind.at - killedAt) / 1000,
    componentStartMs: started.startMs,
  };
  // Back to three masters for the next kill.
  await leader.restart();
  await sleep(SETTLE_MS);
  return result;
}

function summary(values: number[]): { p50: number; max: number; min: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: round(percentile(sorted, 50), 2), max: round(sorted[sorted.length - 1], 2), min: round(sorted[0], 2) };
}

export async function benchFailover(): Promise<Record<string, unknown>> {
  const cluster = await startHaCluster({ leaseTtlSeconds: LEASE_TTL_SECONDS });
  let checker: Checker | undefined;
  try {
    const logs = cluster.masters.map((m) => new LogFollower(m));
    const config: CheckerConfig = { kubeconfigs: cluster.masters.map((m) => m.kubeconfig), writers: WRITERS, podIntervalMs: 100 };
    checker = new Checker(cluster.client.spawn(process.execPath, [CHECKER, JSON.stringify(config)], { stdio: ["pipe", "pipe", "pipe"] }));
    await checker.ready;
    checker.check();
    const kills: KillResult[] = [];
    for (let i = 0; i < KILLS; i++) {
      const k = await killOnce(cluster, logs, checker);
      kills.push(k);
      console.log(`kill ${i + 1}/${KILLS}: ${k.killed} → ${k.successor}: bind again after ${k.firstBindSeconds.toFixed(2)}s (won ${k.wonElectionSeconds.toFixed(2)}s, components ${k.componentsStartedSeconds.toFixed(2)}s${k.killedEtcdRaftLeader ? "; killed etcd's raft leader too" : ""})`);
    }
    const checks = await checker.finish();
    checker = undefined;
    const timing = timingForTtl(LEASE_TTL_SECONDS);
    return {
      benchmark: "failover",
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10, node: process.version },
      masters: cluster.masters.length,
      election: { leaseTtlSeconds: LEASE_TTL_SECONDS, renewIntervalMs: timing.renewIntervalMs, renewDeadlineMs: timing.renewDeadlineMs },
      kills: kills.length,
      takeoverSeconds: {
        measuredFrom: "SIGKILL of the leader's master process",
        measuredTo: "the checker's watch seeing the first pod bound at a revision above the successor's epoch (the new leader's scheduler binding)",
        ...summary(kills.map((k) => k.firstBindSeconds)),
      },
      componentsStartedSeconds: { measuredTo: "the successor's 'leader components started' log line", ...summary(kills.map((k) => k.componentsStartedSeconds)) },
      wonElectionSeconds: { measuredTo: "the successor's 'became leader' log line", ...summary(kills.map((k) => k.wonElectionSeconds)) },
      killsOfEtcdRaftLeader: kills.filter((k) => k.killedEtcdRaftLeader).length,
      perKill: kills,
      writeLoad: { writers: WRITERS, probePodEveryMs: config.podIntervalMs },
      lostWrites: checks.lostWrites,
      checks,
    };
  } catch (err) {
    for (const m of cluster.masters) console.error(`--- ${m.name} output (tail) ---\n${m.output().split("\n").slice(-30).join("\n")}`);
    throw err;
  } finally {
    checker?.kill();
    await cluster.stop();
  }
}
