// Real conmon: attaching to the main process through the attach socket (Perl relay).

import { test } from "node:test";
import assert from "node:assert/strict";
import { RuntimeError } from "../types";
import { FrameDecoder, type RelayFrame } from "./attach-relay";
import { eventually, testRuntime } from "./testing";

test("FrameDecoder reassembles frames split anywhere", async () => {
  const d = new FrameDecoder();
  const frames: RelayFrame[] = [];
  d.on("data", (f: RelayFrame) => frames.push(f));
  const bytes = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), Buffer.from([2, 0, 0, 0, 3]), Buffer.from("abc"), Buffer.from([3, 0, 0, 0, 1]), Buffer.from("!")]);
  for (const b of bytes) d.write(Buffer.from([b]));
  d.end();
  await new Promise((r) => d.on("end", r).resume());
  assert.deepEqual(frames.map((f) => [f.stream, f.data.toString()]), [[0, ""], [2, "abc"], [3, "!"]]);
});

function collector(stream: NodeJS.ReadableStream | undefined): { text: () => string } {
  let text = "";
  stream?.on("data", (d: Buffer) => (text += d.toString()));
  return { text: () => text };
}

test("attach without a tty: stdin in, stdout and stderr apart; stdinOnce ends the process", async (t) => {
  const { rt, config } = await testRuntime(t);
  await rt.createContainer(
    config("echoer", { sh: 'while read l; do echo "got:$l"; echo "err:$l" >&2; done; echo bye', stdin: true, stdinOnce: true }),
  );
  await assert.rejects(rt.attach("echoer", { stdin: true, tty: false }), (e: unknown) => e instanceof RuntimeError && e.code === "FailedPrecondition");
  await rt.startContainer("echoer");
  const a = await rt.attach("echoer", { stdin: true, tty: false });
  const out = collector(a.stdout);
  const err = collector(a.stderr);
  a.stdin?.write("one\n");
  await eventually(async () => out.text().includes("got:one\n") && err.text().includes("err:one\n"), 10_000, "echo of line one");
  a.stdin?.write("two\n");
  await eventually(async () => out.text().includes("got:two\n"), 10_000, "echo of line two");
  assert.ok(!out.text().includes("err:"), "stderr stays apart from stdout");
  a.stdin?.end(); // stdinOnce: closing our stdin closes the container's
  assert.equal(await a.exited, 0);
  assert.ok(out.text().endsWith("bye\n"));
  assert.equal((await rt.state("echoer")).status, "exited");
});

test("detaching leaves the container running; a second attach sees only new output", async (t) => {
  const { rt, config } = await testRuntime(t);
  await rt.createContainer(config("ticker", { sh: 'i=0; while true; do echo "tick-$i"; i=$((i+1)); busybox sleep 0.1; done' }));
  await rt.startContainer("ticker");
  const a = await rt.attach("ticker", { stdin: false, tty: false });
  const out = collector(a.stdout);
  await eventually(async () => /tick-\d+\n/.test(out.text()), 10_000, "ticks");
  a.kill();
  assert.equal(await a.exited, -1);
  assert.equal((await rt.state("ticker")).status, "running");
  await new Promise((r) => setTimeout(r, 300));
  const b = await rt.attach("ticker", { stdin: false, tty: false });
  const out2 = collector(b.stdout);
  await eventually(async () => /tick-\d+\n/.test(out2.text()), 10_000, "ticks again");
  b.kill();
  await b.exited;
  const first = Number(/tick-(\d+)/.exec(out2.text())?.[1]);
  assert.ok(first > 3, `second attach starts at new output, got tick-${first}`);
});

test("attach with a tty: one stream, and resize goes through conmon", async (t) => {
  const { rt, config } = await testRuntime(t);
  await rt.createContainer(config("term", { args: ["/bin/sh"], tty: true, stdin: true }));
  await rt.startContainer("term");
  const a = await rt.attach("term", { stdin: true, tty: true });
  assert.equal(a.stderr, undefined);
  const out = collector(a.stdout);
  const input = a.stdin as NodeJS.WritableStream;
  // busybox ash asks for the cursor position (ESC[6n) and eats input until answered.
  a.stdout.on("data", (d: Buffer) => {
    if (d.includes("\x1b[6n")) input.write("\x1b[1;1R");
  });
  const type = async (line: string) => {
    // At a prompt only: ash drops input typed while it switches terminal modes.
    await eventually(async () => /# (?:\x1b\[[0-9;]*[A-Za-z]|\r)*$/.test(out.text()), 10_000, () => `a prompt; screen: ${JSON.stringify(out.text())}`);
    await new Promise((r) => setTimeout(r, 100));
    input.write(line);
  };
  // Output before attaching is not replayed: ask for a fresh prompt.
  input.write("\n");
  a.resize(90, 30);
  await type("busybox stty size\n");
  await eventually(async () => /30 90\r\n/.test(out.text()), 10_000, () => `size 30 90; screen: ${JSON.stringify(out.text())}`);
  a.resize(120, 50);
  await type("busybox stty size; exit 4\n");
  await eventually(async () => /50 120\r\n/.test(out.text()), 10_000, () => `size 50 120; screen: ${JSON.stringify(out.text())}`);
  assert.equal(await a.exited, 4);
});
