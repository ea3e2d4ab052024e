// A whole cluster for end-to-end tests (DESIGN §8): one real `gantry master`, N real
// `gantry agent` processes and a real registry, each in a test host (netns-hosts.ts), plus a
// "client" host that runs kubectl. Layout of the test network:
//
//   master   : gantry master (API :6443, etcd) and docker-registry on <ip>:5000 (demo images)
//   a1, a2.. : one gantry agent each, own --data-dir, --run-dir, --cgroup-parent,
//              --node-ip = --listen-address = the host's address, registered with --master
//   client   : kubectl (and `script` for exec -it)
//
// All traffic stays inside the test namespaces. stop() — also run after a failed start —
// stops the agents, force-deletes every container left in their runc roots, kills every
// process left in the namespaces, deletes the namespaces, unmounts what is left under the base
// dir, removes the agents' cgroups and deletes the base dir.

import { execFile, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { access, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { removeCgroup } from "../../runtime/runc/cgroups";
import { mountsUnder, readMountInfo } from "../../runtime/rootfs/mountinfo";
import { createTestNet, type ExecResult, type TestHost, type TestNet } from "./netns-hosts";

const GANTRY = path.resolve(__dirname, "../../cli/gantry.js");
const DEMO = path.resolve(__dirname, "../images/demo.js");
const REGISTRY_BINARY = "/usr/bin/docker-registry";
export const API_PORT = 6443;
export const AGENT_PORT = 10250;
export const REGISTRY_PORT = 5000;

export interface ClusterOptions {
  /** Node names of the agents; default node-a, node-b. */
  agents?: string[];
  readyTimeoutMs?: number;
  /** Run the master and the agents under `gantry supervise` (pid files in the base dir), as
   *  `make up` does where systemd is not PID 1. pid() then names the supervisor, daemonPid()
   *  the daemon it runs. */
  supervise?: boolean;
}

export interface ClusterAgent {
  readonly name: string;
  readonly host: TestHost;
  readonly dataDir: string;
  readonly runDir: string;
  readonly runcRoot: string;
  readonly cgroupParent: string;
  output(): string;
  running(): boolean;
  /** The agent process's pid (unchanged as long as it has not died); with `supervise`, the supervisor's. */
  pid(): number | undefined;
  /** The agent daemon's pid: pid(), or with `supervise` the supervisor's current child. */
  daemonPid(): number | undefined;
  /** Sends `signal` (default SIGKILL) to the agent process and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Container ids in this agent's runc root (`runc --root <run-dir>/runc list -q`). */
  containers(): Promise<string[]>;
}

export interface GantryCluster {
  readonly net: TestNet;
  readonly masterHost: TestHost;
  readonly masterDataDir: string;
  readonly kubeconfig: string;
  /** "<ip>:5000", as in image references. */
  readonly registry: string;
  readonly agents: ClusterAgent[];
  readonly client: TestHost;
  agent(name: string): ClusterAgent;
  masterOutput(): string;
  /** The master process's pid, or undefined once it has exited; with `supervise`, the supervisor's. */
  masterPid(): number | undefined;
  /** The master daemon's pid: masterPid(), or with `supervise` the supervisor's current child. */
  masterDaemonPid(): number | undefined;
  /** The kubectl argv prefix (global flags) used in the client host. */
  kubectlPrefix(): string[];
  kubectl(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<ExecResult>;
  kubectlOk(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<string>;
  stop(): Promise<string[]>;
}

interface Proc {
  child: ChildProcess;
  out: string;
}

function startProc(host: TestHost, command: string, args: string[], sameMounts = false): Proc {
  const options: SpawnOptions = { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, GANTRY_LOG_LEVEL: "info" } };
  // `ip netns exec` also gives the process a mount namespace with a fresh /sys, which hides the
  // cgroup mounts runc needs ("no cgroup mount found in mountinfo"). Agents therefore enter only
  // the host's network namespace (nsenter --net), keeping the machine's mounts; destroy() of the
  // test network still kills them, as it kills every process in its namespaces.
  const child = sameMounts ? spawn("nsenter", [`--net=/run/netns/${host.netns}`, "--", command, ...args], options) : host.spawn(command, args, options);
  const p: Proc = { child, out: "" };
  p.child.stdout!.on("data", (d) => (p.out += d));
  p.child.stderr!.on("data", (d) => (p.out += d));
  return p;
}

const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;
const exited = (c: ChildProcess) => new Promise<void>((resolve) => (!alive(c) ? resolve() : c.once("exit", () => resolve())));

function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<ExecResult> {
  return new Promise((resolve) =>
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? Number((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout, stderr });
    }),
  );
}

export async function startCluster(options: ClusterOptions = {}): Promise<GantryCluster> {
  const agentNames = options.agents ?? ["node-a", "node-b"];
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  const base = await mkdtemp(path.join(os.tmpdir(), "gantry-cluster-"));
  const tag = randomBytes(4).toString("hex");
  const cacheDir = path.join(base, "kubectl-cache");
  const masterDataDir = path.join(base, "master");
  const kubeconfig = path.join(masterDataDir, "admin.conf");
  const agents: ClusterAgent[] = [];
  const agentProcs: Proc[] = [];
  let net: TestNet | undefined;
  let master: Proc | undefined;
  let registryProc: Proc | undefined;

  const stop = async (): Promise<string[]> => {
    const problems: string[] = [];
    const step = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (err) {
        problems.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    // Agents first (they leave their containers running), then whatever containers are left.
    await step("agents", () =>
      Promise.all(
        agentProcs.map(async (p) => {
          if (!alive(p.child)) return;
          const timer = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
          p.child.kill("SIGTERM");
          await exited(p.child);
          clearTimeout(timer);
        }),
      ),
    );
    for (const a of agents) {
      await step(`containers of ${a.name}`, async () => {
        for (const id of await a.containers()) await run("runc", [`--root=${a.runcRoot}`, "delete", "--force", id]);
        const left = await a.containers();
        if (left.length > 0) throw new Error(`still listed: ${left.join(", ")}`);
      });
    }
    if (master && alive(master.child)) {
      await step("master", async () => {
        const timer = setTimeout(() => master!.child.kill("SIGKILL"), 15_000);
        master!.child.kill("SIGTERM");
        await exited(master!.child);
        clearTimeout(timer);
      });
    }
    // Kills conmon, etcd, the registry and anything else still in the namespaces.
    await step("network", async () => net?.destroy());
    await step("mounts", async () => {
      for (const m of mountsUnder(await readMountInfo(), base).reverse()) await run("umount", ["-l", m.mountPoint]);
    });
    for (const a of agents) await step(`cgroup ${a.cgroupParent}`, () => removeCgroup(a.cgroupParent));
    await step("files", async () => {
      for (let i = 0; ; i++) {
        try {
          await rm(base, { recursive: true, force: true });
          return;
        } catch (err) {
          if (i >= 10) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    });
    return problems;
  };

  try {
    net = await createTestNet(["master", ...agentNames.map((_, i) => `a${i + 1}`), "client"]);
    const masterHost = net.host("master");
    const client = net.host("client");
    const registry = `${masterHost.address}:${REGISTRY_PORT}`;
    const kubectlPrefix = () => ["--kubeconfig", kubeconfig, "--cache-dir", cacheDir, "--request-timeout", "20s"];
    const kubectl = (args: string[], opts: { input?: string; timeoutMs?: number } = {}) =>
      client.exec("kubectl", [...kubectlPrefix(), ...args], { timeoutMs: opts.timeoutMs ?? 60_000, input: opts.input });
    const kubectlOk = async (args: string[], opts: { input?: string; timeoutMs?: number } = {}) => {
      const r = await kubectl(args, opts);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${r.code}:\n${r.stderr}${r.stdout}`);
      return r.stdout;
    };

    // The registry, on the master's host address, then the demo images pushed from inside it.
    const regDir = path.join(base, "registry");
    await mkdir(path.join(regDir, "storage"), { recursive: true });
    const regConfig = path.join(regDir, "config.yml");
    await writeFile(
      regConfig,
      [
        "version: 0.1",
        "log:",
        "  level: warn",
        "storage:",
        "  filesystem:",
        `    rootdirectory: ${JSON.stringify(path.join(regDir, "storage"))}`,
        "  maintenance:",
        "    uploadpurging:",
        "      enabled: false",
        "http:",
        `  addr: ${registry}`,
        "  secret: gantry-test-registry-secret",
        "",
      ].join("\n"),
    );
    registryProc = startProc(masterHost, REGISTRY_BINARY, ["serve", regConfig]);

    // Under `gantry supervise` the daemon's argv follows the supervisor's own flags.
    const supervised = (name: string, argv: string[]) =>
      options.supervise ? [GANTRY, "supervise", "--name", name, "--pid-file", path.join(base, `${name}.supervise.pid`), "--", process.execPath, ...argv] : argv;
    master = startProc(masterHost, process.execPath, supervised("master", [
      GANTRY, "master",
      "--name", "m1",
      "--data-dir", masterDataDir,
      "--bind-address", masterHost.address,
      "--advertise-address", masterHost.address,
      "--port", String(API_PORT),
      "--etcd-client-port", "2379",
      "--etcd-peer-port", "2380",
    ]));

    // Push while the master starts.
    let pushed: ExecResult | undefined;
    for (let i = 0; i < 40; i++) {
      if (!alive(registryProc.child)) throw new Error(`docker-registry exited:\n${registryProc.out}`);
      pushed = await masterHost.exec(process.execPath, [DEMO, `http://${registry}`], { timeoutMs: 60_000 });
      if (pushed.code === 0) break;
      await sleep(250);
    }
    if (pushed?.code !== 0) throw new Error(`pushing the demo images failed:\n${pushed?.stderr}${pushed?.stdout}\nregistry:\n${registryProc.out}`);

    const required = [kubeconfig, path.join(masterDataDir, "agent.token"), path.join(masterDataDir, "pki", "ca.crt")];
    await waitUntil("the master to be ready", readyTimeoutMs, async () => {
      if (!alive(master!.child)) throw new Error(`gantry master exited (${master!.child.exitCode ?? master!.child.signalCode}):\n${master!.out}`);
      for (const f of required) if (!(await access(f).then(() => true, () => false))) return false;
      return (await kubectl(["get", "--raw", "/readyz"], { timeoutMs: 10_000 })).code === 0;
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${master!.out.slice(-4000)}`);
    });

    for (const [i, name] of agentNames.entries()) {
      const host = net.host(`a${i + 1}`);
      const dataDir = path.join(base, name, "data");
      const runDir = path.join(base, name, "run");
      const cgroupParent = `/gantry-e2e-${tag}-${name}`;
      const p = startProc(host, process.execPath, supervised(name, [
        GANTRY, "agent",
        "--node-name", name,
        "--data-dir", dataDir,
        "--run-dir", runDir,
        "--listen-address", host.address,
        "--port", String(AGENT_PORT),
        "--node-ip", host.address,
        "--cgroup-parent", cgroupParent,
        "--insecure-registry", registry,
        "--master", `https://${masterHost.address}:${API_PORT}`,
        "--token-file", path.join(masterDataDir, "agent.token"),
        "--master-ca", path.join(masterDataDir, "pki", "ca.crt"),
      ]), true);
      agentProcs.push(p);
      const runcRoot = path.join(runDir, "runc");
      agents.push({
        name,
        host,
        dataDir,
        runDir,
        runcRoot,
        cgroupParent,
        output: () => p.out,
        running: () => alive(p.child),
        pid: () => (alive(p.child) ? p.child.pid : undefined),
        daemonPid: () => daemonOf(p, options.supervise),
        async kill(signal: NodeJS.Signals = "SIGKILL") {
          p.child.kill(signal);
          await exited(p.child);
        },
        async containers() {
          const r = await run("runc", [`--root=${runcRoot}`, "list", "-q"]);
          return r.stdout.split("\n").map((s) => s.trim()).filter(Boolean);
        },
      });
    }

    await waitUntil("every node Ready", readyTimeoutMs, async () => {
      for (const [i, p] of agentProcs.entries()) if (!alive(p.child)) throw new Error(`agent ${agentNames[i]} exited (${p.child.exitCode ?? p.child.signalCode}):\n${p.out}`);
      const out = (await kubectl(["get", "nodes", "--no-headers"], { timeoutMs: 10_000 })).stdout;
      return agentNames.every((n) => new RegExp(`^${n}\\s+Ready\\b`, "m").test(out));
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${agents.map((a) => `--- ${a.name}:\n${a.output().slice(-3000)}`).join("\n")}\n--- master:\n${master!.out.slice(-3000)}`);
    });

    return {
      net,
      masterHost,
      masterDataDir,
      kubeconfig,
      registry,
      agents,
      client,
      agent(name: string) {
        const a = agents.find((x) => x.name === name);
        if (!a) throw new Error(`no agent ${name}`);
        return a;
      },
      masterOutput: () => master!.out,
      masterPid: () => (alive(master!.child) ? master!.child.pid : undefined),
      masterDaemonPid: () => daemonOf(master!, options.supervise),
      kubectlPrefix,
      kubectl,
      kubectlOk,
      stop,
    };
  } catch (err) {
    const problems = await stop();
    if (problems.length > 0) console.error(`cluster cleanup after a failed start: ${problems.join("; ")}`);
    throw err;
  }
}

/** The daemon of a process: itself, or under `gantry supervise` the supervisor's child. */
function daemonOf(p: Proc, supervised = false): number | undefined {
  if (!alive(p.child) || p.child.pid === undefined) return undefined;
  if (!supervised) return p.child.pid;
  const pid = p.child.pid;
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/)[0]) || undefined;
  } catch {
    return undefined;
  }
}

async function waitUntil(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(300);
  }
  throw new Error(`timed out waiting for ${what} (${timeoutMs} ms)`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
