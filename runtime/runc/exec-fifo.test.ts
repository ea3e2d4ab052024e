// Starting a container through runc's exec FIFO: no `runc start` process, and the same outcomes.

import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import * as path from "node:path";
import { RuntimeError } from "../types";
import { EXEC_FIFO } from "./exec-fifo";
import { eventually, testRuntime } from "./testing";

/** A runc that logs its subcommand to `log`, then runs the real one. */
async function loggingRunc(dir: string, log: string): Promise<string> {
  const file = path.join(dir, "runc-logging");
  await fs.writeFile(file, `#!/bin/sh\nfor a in "$@"; do case "$a" in -*) ;; *) echo "$a" >> '${log}'; break;; esac; done\nexec /usr/sbin/runc "$@"\n`, { mode: 0o755 });
  return file;
}

test("a created container starts without a runc start process; runc then sees it running", async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-runc-log-"));
  const log = path.join(dir, "runc-calls.log");
  const { rt, config, runcRoot, cleanup } = await testRuntime(t, { runcPath: await loggingRunc(dir, log) });
  t.after(async () => {
    await cleanup(); // before the wrapper goes: the cleanup runs runc through it
    await fs.rm(dir, { recursive: true, force: true });
  });
  await rt.createContainer(config("fifo", { sh: "echo started; sleep 30" }));
  assert.ok((await fs.lstat(path.join(runcRoot, "fifo", EXEC_FIFO))).isFIFO(), "runc create leaves the exec FIFO");
  const started = await rt.startContainer("fifo");
  assert.equal(started.status, "running");
  await assert.rejects(fs.lstat(path.join(runcRoot, "fifo", EXEC_FIFO)), "the FIFO is gone, as after runc start");
  const calls = (await fs.readFile(log, "utf8")).split("\n").filter(Boolean);
  assert.deepEqual(calls, ["create"], `runc subcommands run: ${calls.join(", ")}`);
  // runc itself agrees: created → running is read from the FIFO's absence.
  assert.equal((await rt.state("fifo")).status, "running");
  await eventually(async () => (await fs.readFile(started.logPath, "utf8")).includes("started"), 10_000, "the entrypoint's output");
});

test("starting a container whose init was killed fails and leaves it not running", async (t) => {
  const { rt, config } = await testRuntime(t);
  const created = await rt.createContainer(config("dead", { sh: "sleep 30" }));
  process.kill(created.pid!, "SIGKILL");
  await eventually(async () => (await rt.state("dead")).status === "exited", 10_000, "the killed init to be seen");
  await assert.rejects(rt.startContainer("dead"), (e: unknown) => e instanceof RuntimeError && /not created|dead/.test(e.message));
});
