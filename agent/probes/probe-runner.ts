// Performs one run of a probe (the I/O half; probe-tracker.ts is the deterministic half):
//   exec       the command through ContainerRuntime.exec; exit 0 is success
//   httpGet    to the pod: from inside the pod's network namespace (netns-client.ts), since
//              loopback-only pods have no address the node can reach; to an explicit host:
//              from the agent's own namespace
//   tcpSocket  the same choice of namespace
// Every run is bounded by timeoutSeconds.

import { spawn } from "node:child_process";
import * as path from "node:path";
import type { Container, Probe } from "kubernetes-types/core/v1";
import type { ContainerRuntime } from "../../runtime/types";
import { httpProbe, tcpProbe, type ProbeOutcome } from "./net-probes";
import { probeTiming } from "./probe-tracker";

export type { ProbeOutcome };

export interface ProbeTarget {
  containerId: string;
  container: Container;
  /** The pod's network namespace; probes of the pod's own address run inside it. */
  netnsPath: string;
}

const MAX_OUTPUT = 10 * 1024;

/** A named port ("http") resolves through the container's ports, as in Kubernetes. */
export function resolvePort(port: number | string, container: Container): number {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  const found = container.ports?.find((p) => p.name === port);
  if (!found) throw new Error(`port ${JSON.stringify(port)} is not defined in container ${container.name}`);
  return found.containerPort;
}

export async function runProbe(runtime: ContainerRuntime, spec: Probe, target: ProbeTarget): Promise<ProbeOutcome> {
  const timeoutMs = probeTiming(spec).timeoutMs;
  try {
    if (spec.exec) return await execProbe(runtime, target.containerId, spec.exec.command ?? [], timeoutMs);
    if (spec.httpGet) {
      const g = spec.httpGet;
      const req = {
        scheme: (g.scheme === "HTTPS" ? "HTTPS" : "HTTP") as "HTTP" | "HTTPS",
        port: resolvePort(g.port, target.container),
        path: g.path || "/",
        headers: (g.httpHeaders ?? []).map((h) => ({ name: h.name, value: h.value })),
        timeoutMs,
      };
      if (g.host) return await httpProbe({ ...req, host: g.host });
      return await inNetns(target.netnsPath, { kind: "http", ...req, host: "127.0.0.1" }, timeoutMs);
    }
    if (spec.tcpSocket) {
      const port = resolvePort(spec.tcpSocket.port, target.container);
      if (spec.tcpSocket.host) return await tcpProbe({ host: spec.tcpSocket.host, port, timeoutMs });
      return await inNetns(target.netnsPath, { kind: "tcp", host: "127.0.0.1", port, timeoutMs }, timeoutMs);
    }
    if (spec.grpc) return { ok: false, output: "gRPC probes are not supported by this node yet" };
    return { ok: false, output: "probe has no handler (exec, httpGet, tcpSocket)" };
  } catch (err) {
    return { ok: false, output: (err as Error).message };
  }
}

async function execProbe(runtime: ContainerRuntime, id: string, command: string[], timeoutMs: number): Promise<ProbeOutcome> {
  const proc = await runtime.exec(id, { args: command, tty: false, stdin: false });
  let output = "";
  const collect = (b: Buffer | string) => {
    if (output.length < MAX_OUTPUT) output += b.toString();
  };
  proc.stdout.on("data", collect);
  proc.stderr?.on("data", collect);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
  const code = await Promise.race([proc.exited, timedOut]);
  clearTimeout(timer);
  if (code === "timeout") {
    proc.kill("SIGKILL");
    return { ok: false, output: `command ${JSON.stringify(command.join(" "))} timed out` };
  }
  // Let the last output chunks arrive after the exit.
  await new Promise((r) => setImmediate(r));
  return { ok: code === 0, output: output.slice(0, MAX_OUTPUT).trim() };
}

/** Runs netns-client.js inside the namespace; its stdout is one JSON outcome. */
function inNetns(netnsPath: string, request: object, timeoutMs: number): Promise<ProbeOutcome> {
  const script = path.join(__dirname, "netns-client.js");
  return new Promise((resolve) => {
    // Node needs a moment to start; the request itself carries the probe's own timeout.
    const child = spawn("nsenter", [`--net=${netnsPath}`, "--", process.execPath, script, JSON.stringify(request)], { stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs + 10_000 });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    child.on("error", (e) => resolve({ ok: false, output: `probe in pod network namespace: ${e.message}` }));
    child.on("close", (code) => {
      try {
        resolve(JSON.parse(out.trim()) as ProbeOutcome);
      } catch {
        resolve({ ok: false, output: `probe in pod network namespace failed (exit ${code}): ${err.trim() || out.trim()}` });
      }
    });
  });
}
