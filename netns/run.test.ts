// run() starts its processes off the event loop.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { run, CommandError } from "./run";

/** Milliseconds the event loop spends inside `start` calls, 40 at once, until all are done. */
async function blockedStarting(start: () => Promise<unknown>): Promise<number> {
  let blocked = 0;
  const runs: Array<Promise<unknown>> = [];
  for (let i = 0; i < 40; i++) {
    const t0 = performance.now();
    runs.push(start());
    blocked += performance.now() - t0;
  }
  await Promise.all(runs);
  return blocked;
}

test("starting many processes at once blocks the event loop far less than spawning them here", async () => {
  // Warm-up: the pool's worker threads exist after this.
  await Promise.all(Array.from({ length: 8 }, () => run(["true"])));
  // The reference, in the same run (the machine's load affects both alike): Node's spawn forks
  // this process and waits for the child's exec before it returns.
  const direct = await blockedStarting(() => new Promise((resolve) => spawn("true", [], { stdio: "ignore" }).once("exit", resolve)));
  const pooled = await blockedStarting(() => run(["true"]));
  assert.ok(pooled < direct / 4, `40 starts held the event loop for ${pooled.toFixed(1)} ms through run(), ${direct.toFixed(1)} ms spawned directly`);
});

test("a failing command names itself and quotes its stderr", async () => {
  await assert.rejects(run(["sh", "-c", "echo nope >&2; exit 2"]), (e: unknown) => e instanceof CommandError && e.exitCode === 2 && /nope/.test(e.message));
  await assert.rejects(run(["/nonexistent/tool"]), (e: unknown) => e instanceof CommandError && e.exitCode === null && /ENOENT/.test(e.message));
});
