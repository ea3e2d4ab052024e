// Real runc + conmon: graceful stop, SIGKILL after the grace period, OOM kills.

import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import type { ContainerRuntime } from "../types";
import { readCriLog } from "./cri-log";
import { eventually, testRuntime } from "./testing";

async function logText(file: string): Promise<string[]> {
  const out: string[] = [];
  for await (const m of readCriLog(file)) out.push(m.content.toString());
  return out;
}

async function waitForLine(rt: ContainerRuntime, id: string, line: string): Promise<void> {
  const { logPath } = await rt.state(id);
  await eventually(async () => (await logText(logPath)).includes(line), 10_000, `"${line}" in ${id}'s log`);
}

test("stop sends the stop signal and a handler that exits is honoured", async (t) => {
  const { rt, config } = await testRuntime(t);
  // `sleep & wait`: a shell runs traps only between commands, and `wait` is interruptible.
  await rt.createContainer(config("polite", { sh: "trap 'echo got-term; exit 7' TERM; echo ready; sleep 1000 & wait" }));
  await rt.startContainer("polite");
  await waitForLine(rt, "polite", "ready");
  const t0 = Date.now();
  const st = await rt.stopContainer("polite", 30);
  assert.ok(Date.now() - t0 < 10_000, "did not wait out the grace period");
  assert.equal(st.status, "exited");
  assert.equal(st.exitCode, 7);
  assert.ok(st.finishedAt);
  assert.ok((await logText(st.logPath)).includes("got-term"));
  // Stopping again is a no-op that reports the same end.
  assert.deepEqual(await rt.stopContainer("polite", 30), st);
});

test("a process that ignores the stop signal is killed after the grace period", async (t) => {
  const { rt, config } = await testRuntime(t);
  // PID 1 of a pid namespace gets no default signal actions: without a trap, TERM is ignored.
  await rt.createContainer(config("stubborn", { sh: "echo ready; sleep 1000 & wait" }));
  await rt.startContainer("stubborn");
  await waitForLine(rt, "stubborn", "ready");
  const t0 = Date.now();
  const st = await rt.stopContainer("stubborn", 1);
  const took = Date.now() - t0;
  assert.ok(took >= 1000, `waited the grace period (${took} ms)`);
  assert.ok(took < 10_000, `then killed (${took} ms)`);
  assert.equal(st.exitCode, 137);
  assert.equal(st.oomKilled, false);
});

test("a custom stop signal is used", async (t) => {
  const { rt, config } = await testRuntime(t);
  await rt.createContainer(config("usr1", { sh: "trap 'exit 0' TERM; trap 'echo got-usr1; exit 9' USR1; echo ready; sleep 1000 & wait", stopSignal: "SIGUSR1" }));
  await rt.startContainer("usr1");
  await waitForLine(rt, "usr1", "ready");
  const st = await rt.stopContainer("usr1", 30);
  assert.equal(st.exitCode, 9);
});

test("stopping a created (never started) container kills it", async (t) => {
  const { rt, config } = await testRuntime(t);
  await rt.createContainer(config("idle", { sh: "echo never" }));
  const st = await rt.stopContainer("idle", 30);
  assert.equal(st.status, "exited");
  assert.equal(st.exitCode, 137);
  assert.deepEqual(await logText(st.logPath), []);
});

test("exceeding a 16Mi memory limit ends OOMKilled", async (t) => {
  const { rt, config } = await testRuntime(t);
  // The shell keeps the command substitution's 64 MiB in its own memory.
  await rt.createContainer(
    config("hog", {
      sh: 'echo start; x=$(busybox head -c 67108864 /dev/zero | busybox tr "\\0" a); echo survived',
      resources: { memoryLimitBytes: 16 << 20 },
    }),
  );
  await rt.startContainer("hog");
  const st = await eventually(async () => {
    const s = await rt.state("hog");
    return s.status === "exited" && s;
  }, 60_000, "the OOM kill");
  assert.equal(st.oomKilled, true);
  assert.equal(st.exitCode, 137);
  assert.deepEqual(await logText(st.logPath), ["start"]);
});

test("a container under its memory limit is not reported OOMKilled", async (t) => {
  const { rt, config, root } = await testRuntime(t);
  await rt.createContainer(config("fits", { sh: 'x=$(busybox head -c 1048576 /dev/zero | busybox tr "\\0" a); echo fine', resources: { memoryLimitBytes: 64 << 20 } }));
  await rt.startContainer("fits");
  const st = await eventually(async () => {
    const s = await rt.state("fits");
    return s.status === "exited" && s;
  }, 30_000, "exit");
  assert.equal(st.exitCode, 0);
  assert.equal(st.oomKilled, false);
  await assert.rejects(fs.stat(`${root}/containers/fits/persist/oom`), /ENOENT/);
});
