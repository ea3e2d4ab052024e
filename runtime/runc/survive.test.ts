// The container outlives the process that created it (SIGKILLed, as a crashed agent would
// be), and a fresh runtime object over the same directories adopts it.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { monitorPid } from "./conmon";
import { containerPaths } from "./layout";
import { RuncRuntime } from "./runtime";
import { eventually, readAll, testRuntime } from "./testing";

test("a container survives SIGKILL of its creator and is found by list()", async (t) => {
  const { root, runcRoot, config } = await testRuntime(t);
  const cfg = config("survivor", { sh: "echo alive; sleep 1000", labels: { "gantry.io/pod-uid": "u-1", "gantry.io/container": "main" } });
  const child = spawn(process.execPath, [path.join(__dirname, "testing-create-child.js"), JSON.stringify({ root, runcRoot, config: cfg })], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  await eventually(async () => out.includes("started") || child.exitCode !== null, 30_000, "the child to start the container");
  assert.match(out, /^started \d+\n/, `child failed: ${err}`);
  const pid = Number(/started (\d+)/.exec(out)?.[1]);

  const gone = new Promise((r) => child.on("exit", r));
  child.kill("SIGKILL");
  await gone;

  // The creator is gone; the container process and its monitor are not.
  process.kill(pid, 0);
  const monitor = await monitorPid(containerPaths(root, "survivor").conmonPid);
  assert.ok(monitor, "conmon is still running");
  const ppid = Number((await fs.readFile(`/proc/${monitor}/stat`, "utf8")).split(") ")[1].split(" ")[1]);
  assert.notEqual(ppid, child.pid, "conmon is not the dead creator's child");

  const rt = new RuncRuntime({ root, runcRoot, logRotationIntervalMs: 0 });
  const found = (await rt.list()).find((c) => c.id === "survivor");
  assert.ok(found, "list() finds the container");
  assert.equal(found.status, "running");
  assert.equal(found.pid, pid);
  assert.deepEqual(found.labels, cfg.labels);
  assert.ok(found.startedAt);

  // Adopted means fully usable: exec into it, then stop it through the new object.
  const p = await rt.exec("survivor", { args: ["/bin/echo", "adopted"], tty: false, stdin: false });
  assert.equal(await readAll(p.stdout), "adopted\n");
  assert.equal(await p.exited, 0);
  const stopped = await rt.stopContainer("survivor", 1);
  assert.equal(stopped.status, "exited");
  assert.equal(stopped.exitCode, 137);
});
