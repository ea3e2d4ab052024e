// Real conmon: rotating a live container's log to .1, .2 without losing a line, while a reader
// follows it.

import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { readCriLog } from "./cri-log";
import { containerPaths } from "./layout";
import { requestReopen, rotateIfNeeded } from "./log-rotation";
import { eventually, testRuntime } from "./testing";

async function contents(file: string): Promise<string[]> {
  const out: string[] = [];
  for await (const m of readCriLog(file)) out.push(m.content.toString());
  return out;
}

const batch = (name: string) => Array.from({ length: 200 }, (_, i) => `${name}-${i}`);

test("rotation keeps maxFiles files, a follower sees every line once, in order", async (t) => {
  const { rt, config, root } = await testRuntime(t);
  // Prints batch a, b, c (200 lines each), each after the test drops /tmp/go-<batch> in.
  const sh = 'for b in a b c; do while [ ! -e /tmp/go-$b ]; do busybox sleep 0.05; done; i=0; while [ $i -lt 200 ]; do echo "$b-$i"; i=$((i+1)); done; done; sleep 1000';
  await rt.createContainer(config("chatty", { sh, logMaxBytes: 4096, logMaxFiles: 3 }));
  await rt.startContainer("chatty");
  const p = containerPaths(root, "chatty");

  const followed: string[] = [];
  let stop = false;
  const follower = (async () => {
    for await (const m of readCriLog(p.logPath, { follow: true, pollMs: 10, stopWhen: () => stop })) followed.push(m.content.toString());
  })();

  const emit = async (b: string) => {
    await fs.writeFile(path.join(p.rootfs, "tmp", `go-${b}`), "");
    await eventually(async () => (await contents(p.logPath)).includes(`${b}-199`), 10_000, `batch ${b}`);
  };

  await emit("a");
  assert.equal(await rotateIfNeeded({ logPath: p.logPath, ctlFifo: p.ctlFifo, maxBytes: 1 << 20, maxFiles: 3 }), false, "under the limit: no rotation");
  await rt.rotateLogs();
  assert.deepEqual(await contents(`${p.logPath}.1`), batch("a"));
  // conmon reopened: the live file exists again (empty until the next line).
  await eventually(async () => (await fs.stat(p.logPath).catch(() => undefined)) !== undefined, 5000, "conmon to reopen the log");

  await emit("b");
  assert.deepEqual(await contents(p.logPath), batch("b"), "new lines go to the new file");
  await rt.rotateLogs();
  await emit("c");
  await rt.rotateLogs();
  assert.deepEqual(await contents(`${p.logPath}.1`), batch("c"));
  assert.deepEqual(await contents(`${p.logPath}.2`), batch("b"));
  await assert.rejects(fs.stat(`${p.logPath}.3`), /ENOENT/, "maxFiles 3: live + .1 + .2");
  assert.deepEqual((await fs.readdir(p.logDir)).sort(), ["container.log", "container.log.1", "container.log.2"]);

  await eventually(async () => followed.length >= 600, 10_000, "the follower to catch up");
  stop = true;
  await follower;
  assert.deepEqual(followed, [...batch("a"), ...batch("b"), ...batch("c")]);
});

test("requestReopen reports whether a conmon is listening", async (t) => {
  const { rt, config, root } = await testRuntime(t);
  await rt.createContainer(config("short", { sh: "echo x" }));
  const p = containerPaths(root, "short");
  assert.equal(await requestReopen(p.ctlFifo), true);
  await rt.startContainer("short");
  await eventually(async () => (await rt.state("short")).status === "exited", 10_000, "exit");
  await eventually(async () => !(await requestReopen(p.ctlFifo)), 5000, "conmon to go away");
  assert.equal(await requestReopen(path.join(root, "no-such-fifo")), false);
});
