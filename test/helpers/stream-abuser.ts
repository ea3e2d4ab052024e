// A misbehaving client of every stream Gantry serves, for test/stream-hardening.test.ts (and the
// SPDY protocol check of test/older-clients.test.ts, spdy-exec-scenarios.ts). Run it inside the
// test's client host: `node stream-abuser.js <scenario> '<json arguments>'`. Each
// scenario drives one stream to one awkward point (cancel before start, half-close, stop
// reading, keep writing after the other side ended, garbage) and exits 0 once it has done so;
// what the daemons do about it is for the test to check (they must keep running and serving).
// It prints one line saying what it saw, for the test's diagnostics.

import { credentials, type ClientDuplexStream, type ClientReadableStream } from "@grpc/grpc-js";
import { readFileSync } from "node:fs";
import https from "node:https";
import path from "node:path";
import { connect as tlsConnect } from "node:tls";
import { deflateSync } from "node:zlib";
import { WebSocket } from "ws";
import { AgentClient, MasterMessage, type ExecInput, type ExecOutput, type PodRef, type PortForwardData } from "../../proto/gen/agent";
import { credentialsOf } from "./spdy-client";
import { SPDY_EXEC_SCENARIOS } from "./spdy-exec-scenarios";

export interface AbuseArgs {
  /** host:port of the agent's gRPC server. */
  agent: string;
  /** The master's data dir: the agent accepts only a master's client certificate (`pki/master-agent-client.*`). */
  masterDataDir: string;
  /** https://host:port of the API. */
  server: string;
  kubeconfig: string;
  namespace: string;
  /** A running pod with one container that sleeps. */
  sleeper: string;
  /** A running pod whose container writes its log as fast as it can. */
  spewer: string;
  /** A running pod serving HTTP on 8080. */
  web: string;
  /** An image reference the agent can pull. */
  image: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = 1024 * 1024;


/** Ends when the call has finished, whichever way. */
function settled(call: ClientDuplexStream<unknown, unknown> | ClientReadableStream<unknown>): Promise<string> {
  return new Promise((resolve) => {
    call.on("error", (err: Error) => resolve(`error: ${err.message}`));
    call.on("status", (s: { code: number; details: string }) => resolve(`status ${s.code} ${s.details}`));
  });
}

/** Writes `total` bytes of input in 64 KiB messages without waiting for anything. */
function flood(write: (chunk: Buffer) => void, total: number): void {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  for (let sent = 0; sent < total; sent += chunk.length) write(chunk);
}

class Scenarios {
  private readonly agent: AgentClient;
  private readonly creds: { ca: Buffer; cert: Buffer; key: Buffer };

  constructor(private readonly a: AbuseArgs) {
    // Dial as a master does: the cluster CA, the master's client certificate. The abuse must reach
    // the agent's handlers, not stop at its TLS handshake.
    const pki = (file: string) => readFileSync(path.join(a.masterDataDir, "pki", file));
    this.agent = new AgentClient(a.agent, credentials.createSsl(pki("ca.crt"), pki("master-agent-client.key"), pki("master-agent-client.crt")));
    this.creds = credentialsOf(a.kubeconfig);
  }

  close(): void {
    this.agent.close();
  }

  private pod(name: string): PodRef {
    return { uid: "", namespace: this.a.namespace, name };
  }

  private execStart(pod: string, command: string[], o: { stdin?: boolean; tty?: boolean } = {}): ExecInput {
    return { input: { $case: "start", start: { pod: this.pod(pod), container: "", command, tty: o.tty ?? false, stdin: o.stdin ?? false, stdout: true, stderr: !o.tty } } };
  }

  // --- the agent's gRPC streams, as a rogue or broken master would drive them ---

  async "grpc-exec-cancel-before-start"(): Promise<string> {
    const call = this.agent.exec();
    const done = settled(call);
    call.cancel();
    return done;
  }

  async "grpc-exec-half-close-before-start"(): Promise<string> {
    const call = this.agent.exec();
    const done = settled(call);
    call.end();
    await Promise.race([done, sleep(1000)]);
    call.cancel();
    return done;
  }

  async "grpc-exec-garbage-first"(): Promise<string> {
    const call = this.agent.exec();
    const done = settled(call);
    call.write({ input: { $case: "stdin", stdin: Buffer.from("no start") } });
    call.write({ input: { $case: "resize", resize: { width: 0, height: 0 } } });
    return done;
  }

  /** The crash seen with `head -c 3000000 /dev/urandom | kubectl exec -i POD -- true`. */
  async "grpc-exec-stdin-after-exit"(): Promise<string> {
    const call = this.agent.exec();
    const done = settled(call);
    call.on("data", () => undefined);
    call.write(this.execStart(this.a.sleeper, ["true"], { stdin: true }));
    flood((c) => call.write({ input: { $case: "stdin", stdin: c } }), 3 * MiB);
    await sleep(500);
    flood((c) => call.write({ input: { $case: "stdin", stdin: c } }), 1 * MiB);
    call.write({ input: { $case: "closeStdin", closeStdin: {} } });
    call.end();
    return done;
  }

  async "grpc-exec-tty-stdin-flood"(): Promise<string> {
    const call = this.agent.exec();
    const done = settled(call);
    call.on("data", () => undefined);
    call.write(this.execStart(this.a.sleeper, ["sleep", "2"], { stdin: true, tty: true }));
    flood((c) => call.write({ input: { $case: "stdin", stdin: c } }), 4 * MiB);
    call.end();
    return done;
  }

  async "grpc-exec-cancel-mid-output"(): Promise<string> {
    const call = this.agent.exec();
    const done = settled(call);
    let bytes = 0;
    call.on("data", (o: ExecOutput) => {
      if (o.output?.$case === "stdout") bytes += o.output.stdout.length;
    });
    call.write(this.execStart(this.a.sleeper, ["sh", "-c", "while :; do echo 0123456789abcdef; done"]));
    await sleep(700);
    call.cancel();
    return `${await done} after ${bytes} bytes`;
  }

  async "grpc-exec-stop-reading"(): Promise<string> {
    const call = this.agent.exec();
    const done = settled(call);
    call.write(this.execStart(this.a.sleeper, ["cat", "/dev/zero"]));
    call.pause();
    await sleep(2500);
    call.cancel();
    call.resume();
    return done;
  }

  async "grpc-attach-stdin-flood-then-cancel"(): Promise<string> {
    const call = this.agent.attach();
    const done = settled(call);
    call.on("data", () => undefined);
    call.write({ input: { $case: "start", start: { pod: this.pod(this.a.sleeper), container: "", command: [], tty: false, stdin: true, stdout: true, stderr: true } } });
    flood((c) => call.write({ input: { $case: "stdin", stdin: c } }), 2 * MiB);
    await sleep(500);
    call.cancel();
    return done;
  }

  async "grpc-logs-cancel-while-following"(): Promise<string> {
    const call = this.agent.logs({ pod: this.pod(this.a.spewer), container: "", follow: true, sinceTime: "", timestamps: false, previous: false });
    const done = settled(call);
    await new Promise<void>((resolve) => call.once("data", () => resolve()));
    call.cancel();
    return done;
  }

  async "grpc-logs-stop-reading"(): Promise<string> {
    const call = this.agent.logs({ pod: this.pod(this.a.spewer), container: "", follow: true, sinceTime: "", timestamps: false, previous: false });
    const done = settled(call);
    call.pause();
    await sleep(2500);
    call.cancel();
    call.resume();
    return done;
  }

  async "grpc-port-forward-refused-then-flood"(): Promise<string> {
    const call = this.agent.portForward();
    const done = settled(call);
    call.on("data", () => undefined);
    const msg = (data: Buffer, close = false): PortForwardData => ({ pod: this.pod(this.a.web), port: 9, data, close, error: "" });
    call.write(msg(Buffer.alloc(0)));
    flood((c) => call.write(msg(c)), 2 * MiB);
    await sleep(300);
    flood((c) => call.write(msg(c)), 1 * MiB);
    call.write(msg(Buffer.alloc(0), true));
    call.end();
    return done;
  }

  async "grpc-port-forward-stop-reading"(): Promise<string> {
    const call = this.agent.portForward();
    const done = settled(call);
    const get = Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(2000));
    call.write({ pod: this.pod(this.a.web), port: 8080, data: get, close: false, error: "" });
    call.pause();
    await sleep(2000);
    call.cancel();
    call.resume();
    return done;
  }

  async "grpc-port-forward-half-close-then-cancel"(): Promise<string> {
    const call = this.agent.portForward();
    const done = settled(call);
    call.on("data", () => undefined);
    call.write({ pod: this.pod(this.a.web), port: 8080, data: Buffer.from("GET / HTTP/1.0\r\n\r\n"), close: true, error: "" });
    call.end();
    await sleep(200);
    call.cancel();
    return done;
  }

  async "grpc-pull-cancel"(): Promise<string> {
    const call = this.agent.pullImage({ image: this.a.image });
    const done = settled(call);
    call.cancel();
    return done;
  }

  async "grpc-session-refused-then-keep-writing"(): Promise<string> {
    const call = this.agent.session();
    const done = settled(call);
    call.on("data", () => undefined);
    const open = (nodeName: string) => MasterMessage.fromPartial({ msg: { $case: "open", open: { nodeName, masterId: "abuser", leaderEpoch: 0, heartbeatIntervalSeconds: 1 } } });
    call.write(open("not-this-node"));
    for (let i = 0; i < 200; i++) call.write(MasterMessage.fromPartial({ msg: { $case: "heartbeat", heartbeat: { sequence: i, sentAt: "" } } }));
    const result = await done;
    call.end();
    return result;
  }

  async "grpc-session-garbage-then-cancel"(): Promise<string> {
    const call = this.agent.session();
    const done = settled(call);
    call.write(MasterMessage.fromPartial({ msg: { $case: "heartbeat", heartbeat: { sequence: 1, sentAt: "" } } }));
    await Promise.race([done, sleep(500)]);
    call.cancel();
    return done;
  }

  // --- the API's streams, as a broken or hostile kubectl would drive them ---

  private execUrl(pod: string, command: string[], o: { stdin?: boolean; tty?: boolean } = {}): string {
    const q = new URLSearchParams();
    for (const c of command) q.append("command", c);
    q.set("stdout", "true");
    if (!o.tty) q.set("stderr", "true");
    if (o.stdin) q.set("stdin", "true");
    if (o.tty) q.set("tty", "true");
    return `${this.a.server.replace("https", "wss")}/api/v1/namespaces/${this.a.namespace}/pods/${pod}/exec?${q.toString()}`;
  }

  private openExec(pod: string, command: string[], o: { stdin?: boolean; tty?: boolean } = {}): Promise<WebSocket> {
    const ws = new WebSocket(this.execUrl(pod, command, o), ["v5.channel.k8s.io"], { ...this.creds, perMessageDeflate: false });
    ws.on("error", () => undefined);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(ws));
      ws.once("unexpected-response", (_req, res) => reject(new Error(`exec upgrade refused: ${res.statusCode}`)));
      ws.once("error", reject);
    });
  }

  private closed(ws: WebSocket): Promise<string> {
    return new Promise((resolve) => {
      if (ws.readyState === ws.CLOSED) resolve("closed");
      ws.once("close", (code) => resolve(`closed ${code}`));
    });
  }

  async "ws-exec-stdin-after-exit"(): Promise<string> {
    const ws = await this.openExec(this.a.sleeper, ["true"], { stdin: true });
    const done = this.closed(ws);
    const chunk = Buffer.concat([Buffer.from([0]), Buffer.alloc(64 * 1024, 0x62)]);
    for (let i = 0; i < 64; i++) if (ws.readyState === ws.OPEN) ws.send(chunk);
    await Promise.race([done, sleep(3000)]);
    for (let i = 0; i < 16; i++) if (ws.readyState === ws.OPEN) ws.send(chunk);
    ws.terminate();
    return done;
  }

  async "ws-exec-drop-connection-mid-output"(): Promise<string> {
    const ws = await this.openExec(this.a.sleeper, ["sh", "-c", "while :; do echo 0123456789abcdef; done"]);
    const done = this.closed(ws);
    await new Promise<void>((resolve) => ws.once("message", () => resolve()));
    ws.terminate();
    return done;
  }

  async "ws-exec-stop-reading"(): Promise<string> {
    const ws = await this.openExec(this.a.sleeper, ["cat", "/dev/zero"]);
    const done = this.closed(ws);
    ws.pause();
    await sleep(2500);
    ws.terminate();
    return done;
  }

  async "ws-exec-garbage-frames"(): Promise<string> {
    const ws = await this.openExec(this.a.sleeper, ["sleep", "2"], { stdin: true, tty: true });
    const done = this.closed(ws);
    ws.send(Buffer.alloc(0));
    ws.send(Buffer.from([9, 1, 2, 3]));
    ws.send(Buffer.concat([Buffer.from([4]), Buffer.from("{not json")]));
    ws.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":-5,"Height":1e309}')]));
    ws.send(Buffer.from([255]));
    ws.send(Buffer.from([255, 0]));
    ws.send("text frame");
    await Promise.race([done, sleep(3000)]);
    ws.terminate();
    return done;
  }

  async "http-logs-stop-reading-then-drop"(): Promise<string> {
    return new Promise((resolve) => {
      const req = https.get(`${this.a.server}/api/v1/namespaces/${this.a.namespace}/pods/${this.a.spewer}/log?follow=true`, { ...this.creds }, (res) => {
        res.pause();
        setTimeout(() => {
          req.destroy();
          resolve(`status ${res.statusCode}, dropped while not reading`);
        }, 2500);
      });
      req.on("error", () => undefined);
    });
  }

  /** A SPDY port-forward upgrade followed by bytes that are not SPDY, and a header block that
   *  inflates without bound. */
  async "spdy-port-forward-garbage"(): Promise<string> {
    const url = new URL(this.a.server);
    const results: string[] = [];
    for (const payload of [Buffer.from("this is not a SPDY frame at all, just bytes".repeat(100)), synStreamBomb()]) {
      results.push(
        await new Promise<string>((resolve) => {
          const socket = tlsConnect({ host: url.hostname, port: Number(url.port), ...this.creds });
          socket.on("error", (err) => resolve(`socket error ${err.message}`));
          socket.on("close", () => resolve("closed"));
          socket.on("secureConnect", () => {
            socket.write(
              `POST /api/v1/namespaces/${this.a.namespace}/pods/${this.a.web}/portforward HTTP/1.1\r\nHost: ${url.host}\r\n` +
                "Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\nContent-Length: 0\r\n\r\n",
            );
            socket.once("data", () => socket.write(payload));
            setTimeout(() => socket.destroy(), 2000);
          });
        }),
      );
    }
    return results.join("; ");
  }
}

/** A SYN_STREAM whose header block is a few KiB of deflate that inflates to 64 MiB. */
function synStreamBomb(): Buffer {
  const block = deflateSync(Buffer.alloc(64 * MiB));
  const payload = Buffer.alloc(10 + block.length);
  payload.writeUInt32BE(1, 0); // stream id
  payload.writeUInt32BE(0, 4); // associated stream id
  block.copy(payload, 10);
  const header = Buffer.alloc(8);
  header.writeUInt16BE(0x8003, 0); // control bit, version 3
  header.writeUInt16BE(1, 2); // SYN_STREAM
  header.writeUInt32BE(payload.length & 0xffffff, 4); // flags 0, length
  return Buffer.concat([header, payload]);
}

export const SCENARIOS = [...Object.getOwnPropertyNames(Scenarios.prototype).filter((n) => n !== "constructor" && !n.startsWith("private") && n.includes("-")), ...Object.keys(SPDY_EXEC_SCENARIOS)];

if (require.main === module) {
  const [name, json] = process.argv.slice(2);
  const a = JSON.parse(json) as AbuseArgs;
  // The SPDY exec scenarios need no agent address; the others get a Scenarios (and its agent client).
  let s: Scenarios | undefined;
  let run: (() => Promise<string>) | undefined;
  if (Object.hasOwn(SPDY_EXEC_SCENARIOS, name)) {
    const spdy = SPDY_EXEC_SCENARIOS[name];
    run = () => spdy({ server: a.server, namespace: a.namespace, sleeper: a.sleeper, creds: credentialsOf(a.kubeconfig) });
  } else {
    const scenarios = (s = new Scenarios(a));
    const method = (scenarios as unknown as Record<string, unknown>)[name];
    if (typeof method === "function") run = () => (method as () => Promise<string>).call(scenarios);
  }
  if (!run) {
    console.error(`no scenario ${name}; known: ${SCENARIOS.join(", ")}`);
    process.exit(2);
  }
  const timer = setTimeout(() => {
    console.log(`${name}: still waiting after 30 s (the daemon never ended the stream)`);
    process.exit(3);
  }, 30_000);
  run().then(
    (seen) => {
      clearTimeout(timer);
      console.log(`${name}: ${seen}`);
      s?.close();
      process.exit(0);
    },
    (err: unknown) => {
      clearTimeout(timer);
      console.log(`${name}: failed: ${err instanceof Error ? err.message : String(err)}`);
      s?.close();
      process.exit(1);
    },
  );
}
