// Integration-test harness: a real agent process on 127.0.0.1 with its own data dir, run dir,
// runtime root and cgroup parent under one temp directory, its gRPC client, and a cleanup that
// removes every container, mount, namespace, cgroup and file — also after a failed test.

import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { credentials, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import type { Pod } from "kubernetes-types/core/v1";
import { mountsUnder, readMountInfo } from "../../netns/mountinfo";
import { run } from "../../netns/run";
import {
  AgentClient,
  AgentMessage,
  DesiredPods,
  MasterMessage,
  type Event as AgentEvent,
  type DesiredPod,
  type ExecInput,
  type ExecOutput,
  type NodeConfig,
  type PodStatus,
  type ServiceUpdate,
  type SetDesiredPodsReply,
  type VolumeData,
  type DeepPartial,
} from "../../proto/gen/agent";
import { RuncRuntime } from "../../runtime/runc/runtime";
import { removePodCgroup } from "../sandbox/pod-cgroup";

export interface AgentDirs {
  base: string;
  dataDir: string;
  runDir: string;
  runtimeRoot: string;
  runcRoot: string;
  cgroupParent: string;
}

export async function agentDirs(): Promise<AgentDirs> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-agent-"));
  return {
    base,
    dataDir: path.join(base, "data"),
    runDir: path.join(base, "run"),
    runtimeRoot: path.join(base, "rt"),
    runcRoot: path.join(base, "runc"),
    cgroupParent: `/gantry-agent-test-${randomBytes(4).toString("hex")}`,
  };
}

export interface AgentProcess {
  port: number;
  child: ChildProcess;
  client: AgentClient;
  stderr(): string;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export async function startAgent(dirs: AgentDirs, extra: object = {}): Promise<AgentProcess> {
  const script = path.join(__dirname, "agent-main.js");
  // The agent runs in the machine's own network namespace here: loopback pod networks (no
  // bridge or routes), no service proxy rules and no cluster DNS server, unless a test asks.
  const opts = { nodeName: "node-test", listenAddress: "127.0.0.1", port: 0, nodeIP: "127.0.0.1", insecureRegistries: [], podNetwork: "loopback", serviceProxy: false, dns: false, ...dirs, ...extra };
  const child = spawn(process.execPath, [script, JSON.stringify(opts)], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      const line = out.split("\n")[0];
      if (out.includes("\n")) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once("exit", (code) => reject(new Error(`agent exited (${code}) before serving: ${err}`)));
  });
  return agentProcess(child, port, () => err);
}

/**
 * The agent as an operator starts it, `gantry agent` (cli/gantry.ts), with `flags` added, so a
 * test sees command-line flags reach the agent. It keeps its runtime state where the CLI puts
 * it: `dirs.runtimeRoot` must be <dataDir>/runtime and `dirs.runcRoot` <runDir>/runc. It runs
 * in the machine's network namespace with no master, so its service proxy never gets the first
 * full Service set it waits for and programs nothing.
 */
export async function startAgentCli(dirs: AgentDirs, port: number, flags: string[]): Promise<AgentProcess> {
  assert.equal(dirs.runtimeRoot, path.join(dirs.dataDir, "runtime"));
  assert.equal(dirs.runcRoot, path.join(dirs.runDir, "runc"));
  const cli = path.join(__dirname, "../../cli/gantry.js");
  const args = ["agent", "--node-name", "node-test", "--listen-address", "127.0.0.1", "--port", String(port), "--node-ip", "127.0.0.1"];
  args.push("--data-dir", dirs.dataDir, "--run-dir", dirs.runDir, "--cgroup-parent", dirs.cgroupParent, ...flags);
  const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
  const agent = agentProcess(child, port, () => out);
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`gantry agent exited (${code}) before serving: ${out}`))));
  const ready = new Promise<void>((resolve, reject) => agent.client.waitForReady(Date.now() + 30_000, (e) => (e ? reject(e) : resolve())));
  try {
    await Promise.race([ready, exited]);
  } catch (err) {
    await agent.stop();
    throw err;
  }
  exited.catch(() => undefined);
  return agent;
}

function agentProcess(child: ChildProcess, port: number, output: () => string): AgentProcess {
  const client = new AgentClient(`127.0.0.1:${port}`, credentials.createInsecure());
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    port,
    child,
    client,
    stderr: output,
    async kill9() {
      client.close();
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      client.close();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

/** Removes everything an agent test made under `dirs`, whatever state the agent left. */
export async function forceCleanup(dirs: AgentDirs): Promise<void> {
  const rt = new RuncRuntime({ root: dirs.runtimeRoot, runcRoot: dirs.runcRoot, logRotationIntervalMs: 0 });
  try {
    for (const c of await rt.list().catch(() => [])) await rt.removeContainer(c.id).catch(() => undefined);
  } finally {
    rt.close();
  }
  try {
    const ids = (await run(["/usr/sbin/runc", `--root=${dirs.runcRoot}`, "list", "-q"])).stdout.split("\n").filter(Boolean);
    for (const id of ids) await run(["/usr/sbin/runc", `--root=${dirs.runcRoot}`, "delete", "--force", id]).catch(() => undefined);
  } catch {
    // no runc root
  }
  for (const m of mountsUnder(await readMountInfo(), dirs.base)) await run(["umount", "--lazy", m.mountPoint]).catch(() => undefined);
  await removePodCgroup(dirs.cgroupParent);
  await fs.rm(dirs.base, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// Client helpers

export function podJson(pod: Pod): DesiredPod {
  const m = pod.metadata!;
  return { uid: m.uid!, namespace: m.namespace!, name: m.name!, resourceVersion: m.resourceVersion ?? "1", podJson: JSON.stringify(pod) };
}

export function setDesired(client: AgentClient, generation: number, pods: Pod[], volumeData: Partial<VolumeData>[] = []): Promise<SetDesiredPodsReply> {
  const req = DesiredPods.fromPartial({ generation, full: true, upsert: pods.map(podJson), volumeData });
  return new Promise((resolve, reject) => client.setDesiredPods(req, (e, r) => (e ? reject(e) : resolve(r))));
}

export function listStatus(client: AgentClient): Promise<PodStatus[]> {
  return new Promise((resolve, reject) => client.listPodStatus({ uids: [] }, (e, r) => (e ? reject(e) : resolve(r.pods))));
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function podStatus(client: AgentClient, uid: string): Promise<PodStatus | undefined> {
  return (await listStatus(client)).find((p) => p.uid === uid);
}

/** Collects a server stream's messages until it ends; rejects with its error status. */
export function collect<T>(stream: ClientReadableStream<T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const out: T[] = [];
    stream.on("data", (m: T) => out.push(m));
    stream.on("end", () => resolve(out));
    stream.on("error", (e: ServiceError) => reject(e));
  });
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exit?: { code: number; reason: string; message: string };
}

/** Runs an exec/attach stream to the end; `script` is called after the start and on every
 *  output chunk, and may send more input. */
export function execStream(client: AgentClient, start: ExecInput, script?: (out: string, send: (m: ExecInput) => void) => void, mode: "exec" | "attach" = "exec"): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const call = mode === "exec" ? client.exec() : client.attach();
    const r: ExecResult = { stdout: "", stderr: "" };
    call.on("data", (m: ExecOutput) => {
      const o = m.output;
      if (o?.$case === "stdout") r.stdout += o.stdout.toString();
      else if (o?.$case === "stderr") r.stderr += o.stderr.toString();
      else if (o?.$case === "exit") r.exit = o.exit;
      script?.(r.stdout, (x) => call.write(x));
    });
    call.on("end", () => resolve(r));
    call.on("error", reject);
    call.write(start);
    // Attach shows nothing until it gets input: give the script its first turn right away.
    script?.("", (x) => call.write(x));
  });
}

// ---------------------------------------------------------------------------------------------
// A master stand-in: one Session, sending desired pods and collecting what the agent reports.


export class FakeMaster {
  readonly messages: AgentMessage[] = [];
  readonly statuses = new Map<string, PodStatus>();
  readonly events: AgentEvent[] = [];
  readonly ended: Promise<ServiceError | undefined>;
  private call;
  private generation = 0;

  constructor(client: AgentClient, nodeName: string, epoch: number, masterId = "m1") {
    this.call = client.session();
    this.ended = new Promise((resolve) => {
      this.call.on("error", (e: ServiceError) => resolve(e));
      this.call.on("end", () => resolve(undefined));
    });
    this.call.on("data", (m: AgentMessage) => {
      this.messages.push(m);
      if (m.msg?.$case === "podStatus") {
        for (const p of m.msg.podStatus.pods) this.statuses.set(p.uid, p);
        for (const uid of m.msg.podStatus.removed) this.statuses.delete(uid);
      } else if (m.msg?.$case === "event") this.events.push(m.msg.event);
    });
    this.call.write(MasterMessage.fromPartial({ msg: { $case: "open", open: { nodeName, masterId, leaderEpoch: epoch, heartbeatIntervalSeconds: 1 } } }));
  }

  desired(pods: Pod[], volumeData: Partial<VolumeData>[] = [], full = true): number {
    const generation = ++this.generation;
    this.call.write(MasterMessage.fromPartial({ msg: { $case: "desiredPods", desiredPods: { generation, full, upsert: pods.map(podJson), volumeData } } }));
    return generation;
  }

  /** Sends NodeConfig (the master's first message after opening). */
  nodeConfig(cfg: DeepPartial<NodeConfig>): void {
    this.call.write(MasterMessage.fromPartial({ msg: { $case: "nodeConfig", nodeConfig: cfg } }));
  }

  services(update: DeepPartial<ServiceUpdate>): void {
    this.call.write(MasterMessage.fromPartial({ msg: { $case: "services", services: update } }));
  }

  kinds(): string[] {
    return this.messages.map((m) => m.msg?.$case ?? "?");
  }

  /** Events of a pod as "Reason: message". */
  eventLines(uid: string): string[] {
    return this.events.filter((e) => e.podUid === uid).map((e) => `${e.reason}: ${e.message}`);
  }

  close(): void {
    this.call.end();
  }

  cancel(): void {
    this.call.cancel();
  }
}
