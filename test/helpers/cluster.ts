// A whole cluster for end-to-end tests (DESIGN §8), made the way an operator makes one: the real
// `gantry init` on the master host, the real `gantry join` (with the command init printed) on
// each agent host, a real registry, and a "client" host that runs kubectl. Each in a test host
// (netns-hosts.ts). Layout of the test network:
//
//   master   : `gantry init --foreground` (the master: API :6443, etcd) and docker-registry on
//              <ip>:5000 (demo images)
//   a1, a2.. : `gantry join --foreground` each (TLS bootstrap, then the agent), own --data-dir,
//              --run-dir, --cgroup-parent, --kubeconfig; --node-ip = --listen-address = the
//              host's address. `spareHosts` adds hosts a test joins itself (cluster.join).
//   client   : kubectl (and `script` for exec -it)
//
// All traffic stays inside the test namespaces. stop() — also run after a failed start —
// stops the agents, force-deletes every container left in their runc roots, kills every
// process left in the namespaces, deletes the namespaces, unmounts what is left under the base
// dir, removes the agents' cgroups and deletes the base dir.

import { execFile, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { removeCgroup } from "../../runtime/runc/cgroups";
import { mountsUnder, readMountInfo } from "../../runtime/rootfs/mountinfo";
import { startClusterRegistry } from "./cluster-registry";
import { createTestNet, type ExecResult, type TestHost, type TestNet } from "./netns-hosts";

const GANTRY = path.resolve(__dirname, "../../cli/gantry.js");
export const API_PORT = 6443;
export const AGENT_PORT = 10250;
export const REGISTRY_PORT = 5000;

export interface ClusterOptions {
  /** Node names of the agents joined at start; default node-a, node-b. */
  agents?: string[];
  /**
   * The agents' `--dns-upstream` values. Default `none`: cluster DNS forwards nothing, so no test
   * sends DNS to a resolver it did not start.
   */
  dnsUpstreams?: string[];
  /** Agent hosts made without an agent, for tests that join them themselves (cluster.join). */
  spareHosts?: number;
  /** Extra `gantry init` flags (it takes the master's), e.g. ["--cluster-signing-duration", "120"] or ["--cluster-cidr", ...]. */
  initArgs?: string[];
  readyTimeoutMs?: number;
  /** Run the master and the agents under `gantry supervise` (pid files in the base dir), as
   *  `make up` does where systemd is not PID 1. pid() then names the supervisor, daemonPid()
   *  the daemon it runs; a daemon the supervisor restarts runs its command again (init and join
   *  are idempotent: the same cluster, the same node). */
  supervise?: boolean;
}

/** What `gantry init` printed for agents: `gantry join <address> --token <t> --discovery-token-ca-cert-hash <h>`. */
export interface JoinCommand {
  address: string;
  token: string;
  caHash: string;
}

export interface JoinOptions {
  /** Replace the printed command's values (a wrong token, a wrong hash). */
  join?: Partial<JoinCommand>;
  /** Extra `gantry join` flags. */
  args?: string[];
}

export interface ClusterAgent {
  readonly name: string;
  readonly host: TestHost;
  readonly dataDir: string;
  readonly runDir: string;
  readonly runcRoot: string;
  readonly cgroupParent: string;
  /** The node's kubeconfig (its identity), written by `gantry join`. */
  readonly kubeconfig: string;
  output(): string;
  running(): boolean;
  /** The agent process's pid (unchanged as long as it has not died); with `supervise`, the supervisor's. */
  pid(): number | undefined;
  /** The agent daemon's pid: pid(), or with `supervise` the supervisor's current child. */
  daemonPid(): number | undefined;
  /** Resolves with the exit code once the process has exited. */
  exited(): Promise<number | null>;
  /** Sends `signal` (default SIGKILL) to the agent process and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the agent again with the same flags (after kill()); output() keeps the earlier runs'. */
  restart(): void;
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
  /** The agent command `gantry init` printed. */
  readonly joinCommand: JoinCommand;
  /** `gantry init`'s output (and then the master's log) so far. */
  masterOutput(): string;
  /** The master process's pid, or undefined once it has exited. */
  masterPid(): number | undefined;
  /** The master daemon's pid: masterPid(), or with `supervise` the supervisor's current child. */
  masterDaemonPid(): number | undefined;
  agent(name: string): ClusterAgent;
  /** Starts `gantry join --foreground` for node `name` on agent host `host` (e.g. "a3"); returns at once. */
  join(name: string, host: string, options?: JoinOptions): ClusterAgent;
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

/** The join command in `gantry init`'s output, once printed. */
export function parseJoinCommand(output: string): JoinCommand | undefined {
  const m = /gantry join (\S+) --token (\S+) --discovery-token-ca-cert-hash (\S+)/.exec(output);
  return m ? { address: m[1], token: m[2], caHash: m[3] } : undefined;
}

export async function startCluster(options: ClusterOptions = {}): Promise<GantryCluster> {
  const agentNames = options.agents ?? ["node-a", "node-b"];
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  const base = await mkdtemp(path.join(os.tmpdir(), "gantry-cluster-"));
  const tag = randomBytes(4).toString("hex");
  const cacheDir = path.join(base, "kubectl-cache");
  const masterDataDir = path.join(base, "master");
  const kubeconfig = path.join(base, "admin.conf");
  const agents: ClusterAgent[] = [];
  /** The current process of each agent (restart() replaces it). */
  const agentProcs: { proc: Proc; earlier: string }[] = [];
  let net: TestNet | undefined;
  let master: Proc | undefined;
  let registry: { proc: Proc; address: string } | undefined;

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
        agentProcs.map(async ({ proc: p }) => {
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
    const agentHosts = agentNames.length + (options.spareHosts ?? 0);
    net = await createTestNet(["master", ...Array.from({ length: agentHosts }, (_, i) => `a${i + 1}`), "client"]);
    const masterHost = net.host("master");
    const client = net.host("client");
    const kubectlPrefix = () => ["--kubeconfig", kubeconfig, "--cache-dir", cacheDir, "--request-timeout", "20s"];
    const kubectl = (args: string[], opts: { input?: string; timeoutMs?: number } = {}) =>
      client.exec("kubectl", [...kubectlPrefix(), ...args], { timeoutMs: opts.timeoutMs ?? 60_000, input: opts.input });
    const kubectlOk = async (args: string[], opts: { input?: string; timeoutMs?: number } = {}) => {
      const r = await kubectl(args, opts);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${r.code}:\n${r.stderr}${r.stdout}`);
      return r.stdout;
    };

    const registryStart = startClusterRegistry(masterHost, base, REGISTRY_PORT, startProc);
    // Under `gantry supervise` the daemon's argv follows the supervisor's own flags.
    const supervised = (name: string, argv: string[]) =>
      options.supervise ? [GANTRY, "supervise", "--name", name, "--pid-file", path.join(base, `${name}.supervise.pid`), "--", process.execPath, ...argv] : argv;
    master = startProc(masterHost, process.execPath, supervised("master", [
      GANTRY, "init", "--foreground",
      "--name", "m1",
      "--data-dir", masterDataDir,
      "--admin-kubeconfig", kubeconfig,
      "--bind-address", masterHost.address,
      "--advertise-address", masterHost.address,
      "--port", String(API_PORT),
      "--etcd-client-port", "2379",
      "--etcd-peer-port", "2380",
      ...(options.initArgs ?? []),
    ]));
    registry = await registryStart;

    let joinCommand: JoinCommand | undefined;
    await waitUntil("gantry init to print the join command", readyTimeoutMs, async () => {
      if (!alive(master!.child)) throw new Error(`gantry init exited (${master!.child.exitCode ?? master!.child.signalCode}):\n${master!.out}`);
      joinCommand = parseJoinCommand(master!.out);
      return joinCommand !== undefined;
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${master!.out.slice(-4000)}`);
    });

    const join = (name: string, hostName: string, o: JoinOptions = {}): ClusterAgent => {
      const host = net!.host(hostName);
      const dir = path.join(base, name);
      const dataDir = path.join(dir, "data");
      const runDir = path.join(dir, "run");
      const agentKubeconfig = path.join(dir, "agent.conf");
      const cgroupParent = `/gantry-e2e-${tag}-${name}`;
      const cmd = { ...joinCommand!, ...o.join };
      const flags = [
        "--node-name", name,
        "--data-dir", dataDir,
        "--run-dir", runDir,
        "--listen-address", host.address,
        "--port", String(AGENT_PORT),
        "--node-ip", host.address,
        "--cgroup-parent", cgroupParent,
        "--insecure-registry", registry!.address,
        ...(options.dnsUpstreams ?? ["none"]).flatMap((u) => ["--dns-upstream", u]),
        ...(o.args ?? []),
      ];
      const joinArgv = [GANTRY, "join", cmd.address, "--token", cmd.token, "--discovery-token-ca-cert-hash", cmd.caHash, "--foreground", "--kubeconfig", agentKubeconfig, ...flags];
      // A restart runs the agent again with the identity its join wrote, as a service manager would.
      const agentArgv = [GANTRY, "agent", "--kubeconfig", agentKubeconfig, ...flags];
      const slot = { proc: startProc(host, process.execPath, supervised(name, joinArgv), true), earlier: "" };
      agentProcs.push(slot);
      const runcRoot = path.join(runDir, "runc");
      const agent: ClusterAgent = {
        name,
        host,
        dataDir,
        runDir,
        runcRoot,
        cgroupParent,
        kubeconfig: agentKubeconfig,
        output: () => slot.earlier + slot.proc.out,
        running: () => alive(slot.proc.child),
        pid: () => (alive(slot.proc.child) ? slot.proc.child.pid : undefined),
        daemonPid: () => daemonOf(slot.proc, options.supervise),
        exited: async () => {
          await exited(slot.proc.child);
          return slot.proc.child.exitCode;
        },
        async kill(signal: NodeJS.Signals = "SIGKILL") {
          slot.proc.child.kill(signal);
          await exited(slot.proc.child);
        },
        restart() {
          if (alive(slot.proc.child)) throw new Error(`agent ${name} is still running; kill() it first`);
          slot.earlier += slot.proc.out;
          slot.proc = startProc(host, process.execPath, agentArgv, true);
        },
        async containers() {
          const r = await run("runc", [`--root=${runcRoot}`, "list", "-q"]);
          return r.stdout.split("\n").map((s) => s.trim()).filter(Boolean);
        },
      };
      agents.push(agent);
      return agent;
    };

    for (const [i, name] of agentNames.entries()) join(name, `a${i + 1}`);

    await waitUntil("every node Ready", readyTimeoutMs, async () => {
      for (const a of agents) if (!a.running()) throw new Error(`agent ${a.name} exited:\n${a.output()}`);
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
      registry: registry.address,
      agents,
      client,
      joinCommand: joinCommand!,
      agent(name: string) {
        const a = agents.find((x) => x.name === name);
        if (!a) throw new Error(`no agent ${name}`);
        return a;
      },
      join,
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

export /** The daemon of a process: itself, or under `gantry supervise` the supervisor's child. */
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
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out waiting for ${what} (${timeoutMs} ms)`);
}
