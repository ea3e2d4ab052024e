import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { ExecOutput, type ExecInput } from "../../../proto/gen/agent";
import type { PodAgent } from "./agent-access";
import { serveSpdyExec } from "./exec-spdy";
import type { ExecOptions } from "./options";
import { SPDY_V2, SPDY_V4 } from "./spdy-remotecommand";
import type { SpdySession, SpdyStream } from "./spdy-session";

/** The agent's end of the gRPC stream: records what the master writes. */
class FakeCall extends EventEmitter {
  readonly written: ExecInput[] = [];
  cancelled = false;
  ended = false;
  paused = false;
  write(m: ExecInput): boolean {
    this.written.push(m);
    return true;
  }
  end(): void {
    this.ended = true;
  }
  cancel(): void {
    this.cancelled = true;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  cases(): string[] {
    return this.written.map((m) => m.input?.$case ?? "none");
  }
  output(o: ExecOutput["output"]): void {
    this.emit("data", ExecOutput.fromPartial({ output: o }));
  }
}

class FakeStream extends EventEmitter {
  readonly written: Buffer[] = [];
  ended = false;
  resetWith?: number;
  room = true;
  constructor(readonly headers: Record<string, string>) {
    super();
  }
  write(d: Buffer): boolean {
    this.written.push(d);
    return this.room;
  }
  end(): void {
    this.ended = true;
  }
  reset(status: number): void {
    this.resetWith = status;
  }
  text(): string {
    return Buffer.concat(this.written).toString();
  }
}

class FakeSession extends EventEmitter {
  paused = false;
  ended = false;
  replies = 0;
  async reply(): Promise<boolean> {
    this.replies++;
    return true;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  end(): void {
    this.ended = true;
  }
  /** The client opens a stream; resolves once its reply (and anything it started) has happened. */
  async open(streamType: string): Promise<FakeStream> {
    const s = new FakeStream({ streamtype: streamType });
    this.emit("stream", s as unknown as SpdyStream);
    await new Promise((r) => setImmediate(r));
    return s;
  }
}

function serve(protocol: string, o: Partial<ExecOptions> = {}) {
  const call = new FakeCall();
  const session = new FakeSession();
  const target = { pod: { metadata: { uid: "u1", namespace: "ns", name: "p" } }, nodeName: "n", client: { exec: () => call, attach: () => call } } as unknown as PodAgent;
  const options: ExecOptions = { container: "c", command: ["sh"], stdin: false, stdout: true, stderr: true, tty: false, ...o };
  serveSpdyExec(session as unknown as SpdySession, protocol, { kind: "exec", target, container: "c", options });
  return { call, session };
}

test("the session starts only once every expected stream has arrived and been answered", async () => {
  const { call, session } = serve(SPDY_V4, { stdin: true });
  const error = await session.open("error");
  const stdin = await session.open("stdin");
  stdin.emit("data", Buffer.from("early")); // before stdout exists: held, and the client paused
  assert.deepEqual(call.cases(), []);
  assert.equal(session.paused, true);
  await session.open("stdout");
  assert.deepEqual(call.cases(), []);
  await session.open("stderr");
  assert.deepEqual(call.cases(), ["start", "stdin"]);
  assert.equal(session.paused, false);
  assert.equal(session.replies, 4);
  stdin.emit("end"); // the client's half-close is the end of stdin
  assert.deepEqual(call.cases(), ["start", "stdin", "closeStdin"]);
  assert.equal(error.written.length, 0);
});

test("output goes to its stream; a non-zero exit is a JSON Status on the error stream (v4), then everything closes", async () => {
  const { call, session } = serve(SPDY_V4);
  const error = await session.open("error");
  const stdout = await session.open("stdout");
  const stderr = await session.open("stderr");
  call.output({ $case: "stdout", stdout: Buffer.from("out") });
  call.output({ $case: "stderr", stderr: Buffer.from("err") });
  call.output({ $case: "exit", exit: { code: 3, reason: "", message: "" } });
  assert.equal(stdout.text(), "out");
  assert.equal(stderr.text(), "err");
  const status = JSON.parse(error.text()) as { reason: string; details: { causes: { reason: string; message: string }[] } };
  assert.equal(status.reason, "NonZeroExitCode");
  assert.deepEqual(status.details.causes, [{ reason: "ExitCode", message: "3" }]);
  assert.deepEqual([error.ended, stdout.ended, stderr.ended, session.ended, call.ended], [true, true, true, true, true]);
});

test("v2: success leaves the error stream empty; a failure is its message as text", async () => {
  const ok = serve(SPDY_V2);
  const okError = await ok.session.open("error");
  await ok.session.open("stdout");
  await ok.session.open("stderr");
  ok.call.output({ $case: "exit", exit: { code: 0, reason: "", message: "" } });
  assert.deepEqual([okError.text(), okError.ended], ["", true]);
  const failed = serve(SPDY_V2);
  const failedError = await failed.session.open("error");
  await failed.session.open("stdout");
  await failed.session.open("stderr");
  failed.call.output({ $case: "exit", exit: { code: 2, reason: "", message: "" } });
  assert.match(failedError.text(), /^command terminated with non-zero exit code: .*exit code 2$/);
});

test("refused streams: an unknown type, a second stdout, anything after the start", async () => {
  const { call, session } = serve(SPDY_V4);
  const bogus = await session.open("bogus");
  await session.open("error");
  const stdout = await session.open("stdout");
  const again = await session.open("stdout");
  await session.open("stderr");
  const late = await session.open("stdin");
  assert.deepEqual([bogus.resetWith, again.resetWith, late.resetWith, stdout.resetWith], [3, 3, 3, undefined]);
  assert.deepEqual(call.cases(), ["start"]);
});

test("flow control: a client that stops reading pauses the agent until the connection drains", async () => {
  const { call, session } = serve(SPDY_V4);
  await session.open("error");
  const stdout = await session.open("stdout");
  await session.open("stderr");
  stdout.room = false;
  call.output({ $case: "stdout", stdout: Buffer.alloc(1000) });
  assert.equal(call.paused, true);
  session.emit("drain");
  assert.equal(call.paused, false);
});

test("with a TTY the start waits for the first size on the resize stream and carries it", async () => {
  const { call, session } = serve(SPDY_V4, { stdin: true, stderr: false, tty: true });
  await session.open("error");
  await session.open("stdin");
  await session.open("stdout");
  const resize = await session.open("resize");
  assert.deepEqual(call.cases(), []);
  resize.emit("data", Buffer.from('{"Width":120,"Height":40}\n'));
  assert.deepEqual(call.cases(), ["start"]);
  const start = call.written[0].input;
  assert.ok(start?.$case === "start");
  assert.deepEqual(start.start.initialSize, { width: 120, height: 40 });
});

test("a client that leaves mid-session stops the process; one that never opens its streams is closed", async (t) => {
  const gone = serve(SPDY_V4);
  await gone.session.open("error");
  await gone.session.open("stdout");
  await gone.session.open("stderr");
  gone.session.emit("close");
  assert.equal(gone.call.cancelled, true);

  t.mock.timers.enable({ apis: ["setTimeout"] });
  const idle = serve(SPDY_V4);
  const error = await idle.session.open("error");
  t.mock.timers.tick(30_000);
  assert.equal(idle.session.ended, true);
  assert.match(error.text(), /timed out waiting for the client to create its streams/);
  assert.deepEqual(idle.call.cases(), []);
});
