// PortForward: one TCP connection to a port inside a pod's network namespace per stream. The
// connection is made by netns-client.js started inside the namespace (a Node process cannot
// enter one), which relays bytes over its stdin/stdout.
//
// Either side may go at any moment: the client cancels or half-closes, the connection in the
// pod is refused or reset, the relay dies. Each ends the stream once, with an error message
// when there is one; bytes that arrive after that are dropped. Both directions keep flow
// control, so a side that stops reading holds the other back instead of filling our memory.

import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import type { ServerDuplexStream } from "@grpc/grpc-js";
import type { PortForwardData } from "../proto/gen/agent";
import { quietStreamErrors } from "../runtime/runc/quiet-streams";
import { findPod } from "./container-lookup";
import { AgentRpcError, Code, endWith } from "./grpc-status";
import type { PodManager } from "./pod-manager";

type Call = ServerDuplexStream<PortForwardData, PortForwardData>;

export function handlePortForward(call: Call, pods: PodManager): void {
  let child: ChildProcess | undefined;
  let stderr = "";
  let finished = false;
  const finish = (error?: string) => {
    if (finished) return;
    finished = true;
    call.resume();
    if (error) call.write({ data: Buffer.alloc(0), port: 0, close: true, error });
    call.end();
  };
  const connect = (m: PortForwardData): ChildProcess => {
    const w = findPod(pods, m.pod);
    if (m.port <= 0 || m.port > 65535) throw new AgentRpcError(Code.INVALID_ARGUMENT, `invalid port ${m.port}`);
    const netns = pods.find(w.uid)?.executor.netnsPath;
    if (!netns) throw new AgentRpcError(Code.FAILED_PRECONDITION, `pod ${w.state.namespace}/${w.state.name} has no network namespace yet`);
    const script = path.join(__dirname, "probes", "netns-client.js");
    const c = spawn("nsenter", [`--net=${netns}`, "--", process.execPath, script, JSON.stringify({ kind: "connect", port: m.port })], { stdio: ["pipe", "pipe", "pipe"] });
    quietStreamErrors(c.stdin, c.stdout, c.stderr);
    const out = c.stdout!;
    const resumeOut = () => out.resume();
    out.on("data", (b: Buffer) => {
      if (finished) return;
      if (!call.write({ data: b, port: 0, close: false, error: "" })) {
        out.pause();
        call.once("drain", resumeOut);
      }
    });
    c.stderr!.on("data", (b: Buffer) => {
      if (stderr.length < 4096) stderr += b.toString();
    });
    c.on("error", (err) => finish(`cannot start the port-forward relay: ${err.message}`));
    c.on("close", (code) => finish(code === 0 ? undefined : stderr.trim() || `relay exited ${code}`));
    return c;
  };
  const resumeCall = () => call.resume();
  call.on("data", (m: PortForwardData) => {
    if (finished) return;
    if (!child) {
      try {
        child = connect(m);
      } catch (err) {
        finished = true;
        endWith(call, err);
        return;
      }
    }
    const stdin = child.stdin!;
    if (!stdin.writable) return;
    if (m.data.length > 0 && !stdin.write(m.data)) {
      call.pause();
      stdin.once("drain", resumeCall);
    }
    if (m.close) stdin.end();
  });
  call.on("end", () => child?.stdin?.end());
  const abandon = () => {
    finished = true;
    child?.kill("SIGKILL");
  };
  call.on("cancelled", abandon);
  call.on("error", abandon);
}
