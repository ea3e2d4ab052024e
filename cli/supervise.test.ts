// `gantry supervise` as a real process around small shell daemons: restarts, signals, process
// groups, pid file, crash-loop reports. (With a real master and agent: test/supervise-e2e.test.ts.)

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { waitFor } from "../test/helpers/wait";

const GANTRY = path.resolve(__dirname, "gantry.js");

interface Supervised {
  proc: ChildProcess;
  dir: string;
  pidFile: string;
  logFile: string;
  log(): string;
  /** The daemon's pid now (the supervisor's child), if one runs. */
  daemon(): number | undefined;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function supervise(t: TestContext, script: string): Promise<Supervised> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "gantry-supervise-"));
  const pidFile = path.join(dir, "run", "d.pid");
  const logFile = path.join(dir, "d.log");
  const proc = spawn(process.execPath, [GANTRY, "supervise", "--name", "d", "--pid-file", pidFile, "--log-file", logFile, "--stop-timeout", "5", "--", "sh", "-c", script], { stdio: "ignore" });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal })));
  const s: Supervised = {
    proc,
    dir,
    pidFile,
    logFile,
    log: () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : ""),
    daemon: () => childrenOf(proc.pid!)[0],
    exited,
  };
  t.after(async () => {
    const group = s.daemon();
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    if (group !== undefined) killGroup(group);
    await rm(dir, { recursive: true, force: true });
  });
  return s;
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // already gone
  }
}

test("gantry supervise restarts a daemon killed with SIGKILL within 2 s and logs how it ended", async (t) => {
  const s = await supervise(t, "echo run; exec sleep 600");
  const first = await waitFor("the daemon", () => s.daemon(), 30_000);
  assert.equal((await readFile(s.pidFile, "utf8")).trim(), String(s.proc.pid), "the pid file names the supervisor");
  await waitFor("the daemon's first output", () => s.log().includes("run\n"), 5000);
  const killedAt = Date.now();
  process.kill(first, "SIGKILL");
  const second = await waitFor("a new daemon", () => s.daemon() !== first && s.daemon(), 5000, 20);
  const tookMs = Date.now() - killedAt;
  assert.ok(tookMs < 2000, `restarted after ${tookMs} ms`);
  assert.notEqual(second, first);
  await waitFor("the restart in the log", () => /"msg":"d exited \(signal SIGKILL\) after [0-9.]+ s; restarting in 200 ms"/.test(s.log()), 5000);
});

test("gantry supervise passes SIGTERM on, waits for the daemon, exits 0 and removes its pid file", async (t) => {
  const s = await supervise(t, `trap 'echo got-term; exit 0' TERM; while :; do sleep 0.1; done`);
  await waitFor("the daemon", () => s.daemon(), 30_000);
  await waitFor("the daemon's trap", () => s.log().includes("started d"), 5000);
  await new Promise((r) => setTimeout(r, 300)); // let sh install its trap
  s.proc.kill("SIGTERM");
  const { code } = await s.exited;
  assert.equal(code, 0);
  assert.match(s.log(), /got-term/);
  assert.equal(existsSync(s.pidFile), false, "pid file removed");
});

test("gantry supervise ends what a dead daemon left in its process group before restarting it", async (t) => {
  // The daemon starts a helper in its own group (as the master starts etcd), then dies.
  const s = await supervise(t, `sleep 600 & echo "helper $!"; sleep 0.5; exit 7`);
  const helper = await waitFor("the helper's pid", () => Number(/helper (\d+)/.exec(s.log())?.[1]) || undefined, 30_000);
  await waitFor("the daemon's death in the log", () => /d exited \(exit code 7\)/.test(s.log()), 5000);
  await waitFor("the helper to be ended", () => !alive(helper), 3000);
  await waitFor("the next start", () => (s.log().match(/"msg":"started d"/g) ?? []).length >= 2, 5000);
  s.proc.kill("SIGTERM");
  await s.exited;
});

test("gantry supervise killed with SIGKILL takes its daemon with it (parent-death signal)", async (t) => {
  const s = await supervise(t, "exec sleep 600");
  const daemon = await waitFor("the daemon", () => s.daemon(), 30_000);
  s.proc.kill("SIGKILL");
  await s.exited;
  await waitFor("the daemon to end", () => !alive(daemon), 3000);
});

test("gantry supervise reports a daemon that keeps dying at start, with its exit code, and keeps the delay at 2 s", async (t) => {
  const s = await supervise(t, "echo bad flag >&2; exit 3");
  await waitFor("five restarts", () => (s.log().match(/d exited \(exit code 3\)/g) ?? []).length >= 5, 15_000);
  const log = s.log();
  assert.match(log, /bad flag/);
  assert.match(log, /restarting in 800 ms; it keeps dying soon after starting \(3 times in a row\): check its log and flags/);
  assert.match(log, /restarting in 2000 ms; it keeps dying soon after starting \(5 times in a row\)/);
  s.proc.kill("SIGTERM");
  assert.equal((await s.exited).code, 0);
});

test("a second gantry supervise with the same pid file refuses to start", async (t) => {
  const s = await supervise(t, "exec sleep 600");
  await waitFor("the pid file", () => existsSync(s.pidFile) && readFileSync(s.pidFile, "utf8").trim() === String(s.proc.pid), 30_000);
  const second = spawn(process.execPath, [GANTRY, "supervise", "--name", "d", "--pid-file", s.pidFile, "--", "sleep", "600"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  second.stderr!.on("data", (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => second.once("exit", (c) => resolve(c)));
  assert.equal(code, 1);
  assert.match(stderr, /names a running supervisor/);
  assert.equal(readFileSync(s.pidFile, "utf8").trim(), String(s.proc.pid), "pid file untouched");
});
