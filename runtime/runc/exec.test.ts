// Real runc: exec with pipes and with a pty (node-pty), including a terminal resize.

import { test } from "node:test";
import assert from "node:assert/strict";
import { RuntimeError } from "../types";
import * as pty from "node-pty";
import { ptyQueuedWrites, runcExecArgs } from "./exec";
import { eventually, readAll, testRuntime } from "./testing";

test("runcExecArgs puts every runc flag before the container id", () => {
  assert.deepEqual(
    runcExecArgs({
      runcPath: "/usr/sbin/runc",
      globalArgs: ["--root=/r"],
      id: "c1",
      args: ["sh", "-c", "echo --env"],
      tty: true,
      stdin: true,
      env: ["A=1"],
      cwd: "/tmp",
      user: { uid: 1, gid: 2, additionalGids: [3] },
      pidFile: "/p",
    }),
    ["--root=/r", "exec", "--pid-file", "/p", "--tty", "--env", "A=1", "--cwd", "/tmp", "--user", "1:2", "--additional-gids", "3", "c1", "sh", "-c", "echo --env"],
  );
});

test("exec without a tty: stdout, stderr, stdin, exit code, user, env and cwd", async (t) => {
  const { rt, config } = await testRuntime(t);
  await assert.rejects(rt.exec("nope", { args: ["true"], tty: false, stdin: false }), (e: unknown) => e instanceof RuntimeError && e.code === "NotFound");
  await rt.createContainer(config("box", { sh: "sleep 1000" }));
  await assert.rejects(rt.exec("box", { args: ["true"], tty: false, stdin: false }), (e: unknown) => e instanceof RuntimeError && e.code === "FailedPrecondition");
  await rt.startContainer("box");

  const p = await rt.exec("box", { args: ["/bin/sh", "-c", 'echo out; echo err >&2; echo "$(id -u) $GREETING $(pwd)"; exit 5'], tty: false, stdin: false, env: ["GREETING=hi"], user: "nobody", workingDir: "/tmp" });
  const [out, err, code] = await Promise.all([readAll(p.stdout), readAll(p.stderr as NodeJS.ReadableStream), p.exited]);
  assert.equal(out, "out\n65534 hi /tmp\n");
  assert.equal(err, "err\n");
  assert.equal(code, 5);

  const cat = await rt.exec("box", { args: ["/bin/cat"], tty: false, stdin: true });
  cat.stdin?.end("through stdin\n");
  assert.equal(await readAll(cat.stdout), "through stdin\n");
  assert.equal(await cat.exited, 0);

  const sleeper = await rt.exec("box", { args: ["/bin/sleep", "1000"], tty: false, stdin: false });
  await new Promise((r) => setTimeout(r, 300));
  sleeper.kill("SIGKILL");
  assert.equal(await sleeper.exited, 137);
});

test("exec with a tty: a shell answers, sees the resize, and its exit code comes back", async (t) => {
  const { rt, config } = await testRuntime(t);
  await rt.createContainer(config("tty", { sh: "sleep 1000" }));
  await rt.startContainer("tty");
  const p = await rt.exec("tty", { args: ["/bin/sh"], tty: true, stdin: true });
  assert.equal(p.stderr, undefined);
  let screen = "";
  const stdin = p.stdin as NodeJS.WritableStream;
  p.stdout.on("data", (d: Buffer) => {
    screen += d.toString();
    // busybox ash asks where the cursor is (DSR, ESC[6n) and eats input until it hears back;
    // answer as a terminal emulator would.
    if (d.includes("\x1b[6n")) stdin.write("\x1b[1;1R");
  });
  const saw = (re: RegExp, what: string) => eventually(async () => re.test(screen), 10_000, () => `${what}; screen so far: ${JSON.stringify(screen)}`);
  // Type only at a prompt, as a person would: ash flushes input typed while it switches the
  // terminal between raw and cooked mode.
  const type = async (line: string) => {
    // The prompt may be followed by ash's cursor query or its redraw after our answer.
    await saw(/\/ # (?:\x1b\[[0-9;]*[A-Za-z]|\r)*$/, "a prompt");
    await new Promise((r) => setTimeout(r, 100));
    const mark = screen.length;
    stdin.write(line);
    await eventually(async () => screen.length > mark, 10_000, `echo of ${JSON.stringify(line)}`);
  };

  await type("echo hello-$((40+2))\n");
  await saw(/hello-42/, "echo output");
  await type("busybox stty size\n");
  await saw(/\r\n24 80\r\n/, "initial size");
  p.resize(100, 40);
  await type("busybox stty size\n");
  await saw(/\r\n40 100\r\n/, "size after resize");
  await type("exit 3\n");
  assert.equal(await p.exited, 3);
});

test("exec with a tty and a terminal size: the command sees that size without any resize", async (t) => {
  const { rt, config } = await testRuntime(t);
  await rt.createContainer(config("sized", { sh: "sleep 1000" }));
  await rt.startContainer("sized");
  // runc copies its terminal's size to the container's terminal right after it starts the
  // process (a race runc has, not ours), so the command looks a moment later.
  const p = await rt.exec("sized", { args: ["sh", "-c", "sleep 0.3; /bin/busybox stty size"], tty: true, stdin: false, terminalSize: { cols: 132, rows: 43 } });
  const out = readAll(p.stdout);
  assert.equal(await p.exited, 0);
  assert.equal((await out).trim(), "43 132");
});

test("input after the process exited goes nowhere and raises nothing (pipes and tty)", async (t) => {
  const { rt, config } = await testRuntime(t);
  await rt.createContainer(config("box", { sh: "sleep 1000" }));
  await rt.startContainer("box");
  for (const tty of [false, true]) {
    const p = await rt.exec("box", { args: ["true"], tty, stdin: true });
    void readAll(p.stdout);
    assert.equal(await p.exited, 0);
    // Without the runtime's own error listeners, these writes end the process with EPIPE.
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < 48; i++) p.stdin?.write(chunk);
    p.stdin?.end();
    await new Promise((r) => setTimeout(r, 300));
  }
});

test("ptyQueuedWrites sees node-pty's private write queue (the tty input backpressure relies on it)", async () => {
  // A raw terminal whose reader never reads: the kernel takes a few KiB, node-pty queues the rest.
  const term = pty.spawn("/bin/sh", ["-c", "stty raw -echo; sleep 1000"], { cols: 80, rows: 24, encoding: null });
  try {
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 8; i++) term.write(Buffer.alloc(64 * 1024, 0x61));
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(ptyQueuedWrites(term) > 0, "node-pty's write queue is not where ptyQueuedWrites looks");
  } finally {
    term.kill("SIGKILL");
  }
});
