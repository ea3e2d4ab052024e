// PortForward: one TCP connection to a port inside a pod's network namespace per stream. The
// connection is made by netns-client.js started inside the namespace (a Node process cannot
// enter one), which relays bytes over its stdin/stdout.

import { spawn } from "node:child_process";
import * as path from "node:path";
import type { ServerDuplexStream } from "@grpc/grpc-js";
import type { PortForwardData } from "../proto/gen/agent";
import { findPod } from "./container-lookup";
import { AgentRpcError, Code, endWith } from "./grpc-status";
import type { PodManager } from "./pod-manager";

type Call = ServerDuplexStream<PortForwardData, PortForwardData>;

export function handlePortForward(call: Call, pods: PodManager): void {
  let child: ReturnType<typeof spawn> | undefined;
  let stderr = "";
  let finished = false;
  const finish = (error?: string) => {
    if (finished) return;
    finished = true;
    if (error) call.write({ data: Buffer.alloc(0), port: 0, close: true, error });
    call.end();
  };
  call.on("data", (m: PortForwardData) => {
    if (!child) {
      try {
        const w = findPod(pods, m.pod);
        if (m.port <= 0 || m.port > 65535) throw new AgentRpcError(Code.INVALID_ARGUMENT, `invalid port ${m.port}`);
        const netns = pods.find(w.uid)?.executor.netnsPath;
        if (!netns) throw new AgentRpcError(Code.FAILED_PRECONDITION, `pod ${w.state.namespace}/${w.state.name} has no network namespace yet`);
        const script = path.join(__dirname, "probes", "netns-client.js");
        child = spawn("nsenter", [`--net=${netns}`, "--", process.execPath, script, JSON.stringify({ kind: "connect", port: m.port })], { stdio: ["pipe", "pipe", "pipe"] });
        child.stdout!.on("data", (b: Buffer) => call.write({ data: b, port: 0, close: false, error: "" }));
        child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
        child.stdin!.on("error", () => undefined);
        child.on("close", (code) => finish(code === 0 ? undefined : stderr.trim() || `relay exited ${code}`));
      } catch (err) {
        finished = true;
        endWith(call, err);
        return;
      }
    }
    if (m.data.length > 0) child.stdin!.write(m.data);
    if (m.close) child.stdin!.end();
  });
  call.on("end", () => child?.stdin?.end());
  call.on("cancelled", () => child?.kill("SIGKILL"));
}
