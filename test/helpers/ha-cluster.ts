// A highly available control plane for end-to-end tests: N real masters, each in its own test
// host (network namespace, netns-hosts.ts) with its own data dir, forming one etcd cluster over
// TLS, either
//   - "static": `gantry master` on every host at once with the same --initial-cluster (https
//     peer URLs), sharing the CAs (the first master creates the cluster and etcd CAs; the others
//     copy them with --ca-dir), or
//   - "join": `gantry init` on the first host, then `gantry join --control-plane` with the
//     command init printed on each next one (the certificate upload; a learner etcd member
//     promoted once caught up), in the foreground so the join process is the master.
// Every master uses the standard ports on its own address. A separate "client" host runs kubectl,
// so all traffic stays inside test namespaces. stop() removes every process, namespace and
// directory, also after a failed start.

import { execFileSync, type ChildProcess } from "node:child_process";
import { access, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createTestNet, type ExecResult, type TestHost, type TestNet } from "./netns-hosts";

const GANTRY = path.resolve(__dirname, "../../cli/gantry.js");
export const API_PORT = 6443;
const ETCD_CLIENT_PORT = 2379;
const ETCD_PEER_PORT = 2380;

export interface HaClusterOptions {
  /** Master names; default m1, m2, m3. */
  names?: string[];
  /** --leader-lease-ttl; default: the master's default (10 s). */
  leaseTtlSeconds?: number;
  /** How long start waits for every master to be ready. Default 120000. */
  readyTimeoutMs?: number;
  /**
   * "static" (default): every master starts at once with the same --initial-cluster.
   * "join": `gantry init` on the first host; each next one runs the printed `gantry join
   * --control-plane` command once the previous is ready.
   */
  bootstrap?: "static" | "join";
}

/** One pino line of a master's output. */
export interface LogLine {
  time: number;
  msg: string;
  [field: string]: unknown;
}

export interface HaMaster {
  readonly name: string;
  readonly host: TestHost;
  readonly address: string;
  readonly dataDir: string;
  readonly kubeconfig: string;
  readonly process: ChildProcess;
  /** Everything it printed, across restarts. */
  output(): string;
  /** Its structured log lines (pino JSON), across restarts. */
  logLines(): LogLine[];
  running(): boolean;
  /** Sends `signal` (default SIGKILL) and waits until its host has no process left (etcd included). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same data dir (`gantry master` with its flags), and waits until it is ready. */
  restart(): Promise<void>;
}

export interface HaCluster {
  readonly net: TestNet;
  readonly masters: HaMaster[];
  /** The host kubectl runs in. */
  readonly client: TestHost;
  master(name: string): HaMaster;
  /** kubectl in the client host against `via` (default: the first running master). */
  kubectl(args: string[], via?: HaMaster, options?: { input?: string; timeoutMs?: number }): Promise<ExecResult>;
  /** Like kubectl(), but throws with the output on a non-zero exit. */
  kubectlOk(args: string[], via?: HaMaster, options?: { input?: string; timeoutMs?: number }): Promise<string>;
  /** GET /readyz?verbose of one master; undefined when it does not answer 200. */
  readyz(m: HaMaster): Promise<string | undefined>;
  /** etcdctl in the client host against every master's member, with the first master's etcd client certificate. */
  etcdctl(args: string[]): Promise<ExecResult>;
  stop(): Promise<void>;
}

export async function startHaCluster(options: HaClusterOptions = {}): Promise<HaCluster> {
  const names = options.names ?? ["m1", "m2", "m3"];
  const baseDir = await mkdtemp(path.join(os.tmpdir(), "gantry-ha-"));
  let net: TestNet | undefined;
  const masters: HaMaster[] = [];
  const cacheDir = path.join(baseDir, "kubectl-cache");

  const stop = async () => {
    await Promise.all(masters.map((m) => (m.running() ? m.kill("SIGTERM").catch(() => {}) : undefined)));
    await net?.destroy();
    await rm(baseDir, { recursive: true, force: true });
  };

  try {
    net = await createTestNet([...names, "client"]);
    const hosts = names.map((n) => net!.host(n));
    const initialCluster = hosts.map((h) => `${h.name}=https://${h.address}:${ETCD_PEER_PORT}`).join(",");
    const etcdServers = hosts.map((h) => `https://${h.address}:${ETCD_CLIENT_PORT}`).join(",");
    const firstPki = path.join(baseDir, names[0], "pki");

    const client = net.host("client");
    const readyzOf = async (m: HaMaster) => {
      try {
        await access(m.kubeconfig);
      } catch {
        return undefined;
      }
      const r = await kubectl(["get", "--raw", "/readyz?verbose"], m, { timeoutMs: 10_000 });
      return r.code === 0 ? r.stdout : undefined;
    };
    const kubectl = (args: string[], via?: HaMaster, opts: { input?: string; timeoutMs?: number } = {}) => {
      const target = via ?? masters.find((m) => m.running());
      if (!target) throw new Error("no master is running");
      return client.exec("kubectl", ["--kubeconfig", target.kubeconfig, "--cache-dir", cacheDir, "--request-timeout", "20s", ...args], { timeoutMs: opts.timeoutMs ?? 60_000, input: opts.input });
    };
    const joining = options.bootstrap === "join";
    const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
    const ttl = options.leaseTtlSeconds !== undefined ? ["--leader-lease-ttl", String(options.leaseTtlSeconds)] : [];
    let controlPlaneJoin: string[] | undefined;
    for (const [i, host] of hosts.entries()) {
      const dataDir = path.join(baseDir, host.name);
      const own = [
        "--data-dir", dataDir,
        "--bind-address", host.address,
        "--advertise-address", host.address,
        "--etcd-client-port", String(ETCD_CLIENT_PORT),
        "--etcd-peer-port", String(ETCD_PEER_PORT),
        ...ttl,
      ];
      const masterArgs = [GANTRY, "master", "--name", host.name, "--port", String(API_PORT), ...own];
      let args: string[];
      let restartArgs: string[];
      if (!joining) {
        args = [...masterArgs, "--initial-cluster", initialCluster, "--etcd-servers", etcdServers, ...(i > 0 ? ["--ca-dir", firstPki] : [])];
        restartArgs = args;
      } else if (i === 0) {
        args = [GANTRY, "init", "--foreground", "--name", host.name, "--port", String(API_PORT), "--admin-kubeconfig", path.join(baseDir, `${host.name}.admin.conf`), ...own];
        restartArgs = masterArgs;
      } else {
        args = [GANTRY, ...controlPlaneJoin!, "--foreground", "--node-name", host.name, "--apiserver-bind-port", String(API_PORT), "--admin-kubeconfig", path.join(baseDir, `${host.name}.admin.conf`), ...own];
        restartArgs = [...masterArgs, "--join", `https://${hosts[0].address}:${ETCD_CLIENT_PORT}`];
      }
      const m = makeMaster(host, dataDir, args, restartArgs, readyzOf);
      masters.push(m);
      // The first master writes the CAs before it starts etcd; the others copy them.
      if (i === 0 && !joining) await waitForFiles(["ca.crt", "ca.key", "etcd/ca.crt", "etcd/ca.key"].map((f) => path.join(firstPki, f)), m, 30_000);
      // Joining adds one member at a time: each must be up before the next changes the membership.
      if (joining) await waitReady(m, readyzOf, readyTimeoutMs);
      if (joining && i === 0) controlPlaneJoin = await waitForControlPlaneJoin(m, 60_000);
    }

    const cluster: HaCluster = {
      net,
      masters,
      client,
      master(name: string) {
        const m = masters.find((x) => x.name === name);
        if (!m) throw new Error(`no master ${name}`);
        return m;
      },
      kubectl,
      async kubectlOk(args, via, opts) {
        const r = await kubectl(args, via, opts);
        if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${r.code}:\n${r.stderr}${r.stdout}`);
        return r.stdout;
      },
      readyz: readyzOf,
      etcdctl: (args) =>
        client.exec("etcdctl", ["--endpoints", etcdServers, "--cacert", path.join(firstPki, "etcd", "ca.crt"), "--cert", path.join(firstPki, "apiserver-etcd-client.crt"), "--key", path.join(firstPki, "apiserver-etcd-client.key"), ...args], { env: { ...process.env, ETCDCTL_API: "3" } }),
      stop,
    };
    await Promise.all(masters.map((m) => waitReady(m, readyzOf, readyTimeoutMs)));
    return cluster;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The `join … --control-plane --certificate-key …` arguments `gantry init` printed, once it has. */
async function waitForControlPlaneJoin(m: HaMaster, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = /gantry (join \S+ --token \S+ --discovery-token-ca-cert-hash \S+ --control-plane --certificate-key \S+)/.exec(m.output());
    if (line) return line[1].split(" ");
    if (!m.running() || Date.now() > deadline) throw new Error(`gantry init on ${m.name} printed no control-plane join command:\n${m.output()}`);
    await sleep(200);
  }
}

function makeMaster(host: TestHost, dataDir: string, firstArgs: string[], restartArgs: string[], readyz: (m: HaMaster) => Promise<string | undefined>): HaMaster {
  let out = "";
  let child: ChildProcess;
  const launch = (args: string[]) => {
    child = host.spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, GANTRY_LOG_LEVEL: "info" } });
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
  };
  launch(firstArgs);
  const exited = (c: ChildProcess) => new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once("exit", () => resolve())));
  const m: HaMaster = {
    name: host.name,
    host,
    address: host.address,
    dataDir,
    kubeconfig: path.join(dataDir, "admin.conf"),
    get process() {
      return child;
    },
    output: () => out,
    logLines: () => parseLog(out),
    running: () => child.exitCode === null && child.signalCode === null,
    async kill(signal: NodeJS.Signals = "SIGKILL") {
      const timer = signal === "SIGKILL" ? undefined : setTimeout(() => child.kill("SIGKILL"), 20_000);
      child.kill(signal);
      await exited(child);
      clearTimeout(timer);
      // Its etcd gets SIGTERM from the kernel when it dies (parent-death signal); wait for that.
      const deadline = Date.now() + 20_000;
      while (netnsPids(host.netns) !== "" && Date.now() < deadline) await sleep(100);
    },
    async restart() {
      launch(restartArgs);
      await waitReady(m, readyz, 120_000);
    },
  };
  return m;
}

/** Waits for `/readyz` to answer 200 on this master. */
async function waitReady(m: HaMaster, readyz: (m: HaMaster) => Promise<string | undefined>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!m.running()) {
      // Let the last output arrive before reporting it.
      await new Promise((r) => (m.process.stdout?.readableEnded ? r(undefined) : m.process.stdout?.once("end", r) && setTimeout(r, 1000)));
      throw new Error(`gantry master ${m.name} exited (${m.process.exitCode ?? m.process.signalCode}):\n${m.output()}`);
    }
    if ((await readyz(m)) !== undefined) return;
    await sleep(300);
  }
  throw new Error(`gantry master ${m.name} was not ready within ${timeoutMs}ms:\n${m.output()}`);
}

async function waitForFiles(files: string[], m: HaMaster, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const present = await Promise.all(files.map((f) => access(f).then(() => true, () => false)));
    if (present.every(Boolean)) return;
    if (!m.running()) throw new Error(`gantry master ${m.name} exited before writing the CA:\n${m.output()}`);
    if (Date.now() > deadline) throw new Error(`gantry master ${m.name} did not write ${files.join(", ")} within ${timeoutMs}ms:\n${m.output()}`);
    await sleep(50);
  }
}

export function parseLog(out: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const line of out.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const parsed = JSON.parse(line) as LogLine;
      if (typeof parsed.time === "number" && typeof parsed.msg === "string") lines.push(parsed);
    } catch {
      // a partial line at the end of the buffer
    }
  }
  return lines;
}

function netnsPids(netns: string): string {
  try {
    return execFileSync("ip", ["netns", "pids", netns], { encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
