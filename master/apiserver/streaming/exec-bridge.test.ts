import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { WebSocket } from "ws";
import type { ExecInput } from "../../../proto/gen/agent";
import type { PodAgent } from "./agent-access";
import { Channel, V5 } from "./channel-protocol";
import { FIRST_RESIZE_WAIT_MS } from "./exec-bridge";
import { bridgeExec } from "./exec-websocket";
import type { ExecOptions } from "./options";

/** The agent's end of the gRPC stream: records what the master writes. */
class FakeCall extends EventEmitter {
  readonly written: ExecInput[] = [];
  write(m: ExecInput): boolean {
    this.written.push(m);
    return true;
  }
  end(): void {}
  cancel(): void {}
  pause(): void {}
  resume(): void {}
  cases(): string[] {
    return this.written.map((m) => m.input?.$case ?? "none");
  }
}

/** The client's WebSocket, as bridgeExec uses it. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  send(_data: Buffer, cb?: () => void): void {
    cb?.();
  }
  close(): void {}
  terminate(): void {}
  client(channel: number, payload: string | Buffer): void {
    this.emit("message", Buffer.concat([Buffer.from([channel]), Buffer.from(payload)]));
  }
}

function session(kind: "exec" | "attach", tty: boolean): { call: FakeCall; ws: FakeSocket } {
  const call = new FakeCall();
  const ws = new FakeSocket();
  const target = { pod: { metadata: { uid: "u1", namespace: "ns", name: "p" } }, nodeName: "n", client: { exec: () => call, attach: () => call } } as unknown as PodAgent;
  const options: ExecOptions = { container: "c", command: kind === "exec" ? ["sh"] : [], stdin: true, stdout: true, stderr: !tty, tty };
  bridgeExec(ws as unknown as WebSocket, { kind, protocol: V5, target, container: "c", options });
  return { call, ws };
}

const resize = (width: number, height: number) => JSON.stringify({ Width: width, Height: height });

test("exec with a TTY: the ExecStart waits for kubectl's first resize and carries it as the initial size", () => {
  const { call, ws } = session("exec", true);
  assert.deepEqual(call.cases(), [], "nothing goes to the agent before the terminal size is known");
  ws.client(Channel.stdin, "ls\n"); // typed before the size came: held, then sent after the start
  ws.client(Channel.resize, resize(132, 43));
  assert.deepEqual(call.cases(), ["start", "stdin"]);
  const start = call.written[0].input;
  assert.ok(start?.$case === "start");
  assert.deepEqual(start.start.initialSize, { width: 132, height: 43 });
  assert.equal(start.start.tty, true);
  // Later resizes are resizes.
  ws.client(Channel.resize, resize(100, 30));
  assert.deepEqual(call.cases(), ["start", "stdin", "resize"]);
});

test("exec with a TTY and no resize from the client starts without a size after a short wait", async () => {
  const { call, ws } = session("exec", true);
  ws.client(Channel.resize, resize(0, 0)); // a terminal without a size is no size
  ws.client(Channel.stdin, "x");
  assert.deepEqual(call.cases(), []);
  await new Promise((r) => setTimeout(r, FIRST_RESIZE_WAIT_MS + 50));
  assert.deepEqual(call.cases(), ["start", "stdin"]);
  const start = call.written[0].input;
  assert.ok(start?.$case === "start");
  assert.equal(start.start.initialSize, undefined);
});

test("exec without a TTY, and attach, start at once", () => {
  const plain = session("exec", false);
  assert.deepEqual(plain.call.cases(), ["start"]);
  const attach = session("attach", true);
  assert.deepEqual(attach.call.cases(), ["start"]);
  attach.ws.client(Channel.resize, resize(80, 24));
  assert.deepEqual(attach.call.cases(), ["start", "resize"]);
});

test("a client that leaves while the start waits for the size starts nothing", async () => {
  const { call, ws } = session("exec", true);
  ws.emit("close");
  await new Promise((r) => setTimeout(r, FIRST_RESIZE_WAIT_MS + 50));
  assert.deepEqual(call.cases(), []);
});
