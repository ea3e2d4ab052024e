// Runs the real `gantry master` binary (dist/cli/gantry.js) as a child process on free loopback
// ports, in a throwaway data dir, for end-to-end tests. `stop()` removes everything it made.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import https from "node:https";
import { readFileSync } from "node:fs";
import type { EtcdClientTls } from "../../master/store/etcd-tls";
import { freePort } from "./ports";

const GANTRY = path.resolve(__dirname, "../../cli/gantry.js");

export interface MasterHandle {
  dataDir: string;
  port: number;
  kubeconfig: string;
  server: string;
  /** The etcd member's client URL (https), for tests that poke etcd directly (compaction). */
  etcdEndpoint: string;
  /** The API's etcd client certificate (etcd asks every client for one); read once the master has started. */
  etcdTls(): EtcdClientTls;
  /** etcdctl's TLS flags for that certificate. */
  etcdctlTlsArgs(): string[];
  process: ChildProcess;
  output(): string;
  /** SIGKILL (default) or SIGTERM, then wait for exit. The data dir is kept. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the master again on the same data dir and ports. */
  restart(): Promise<void>;
  /** Stops the master and deletes the data dir. */
  stop(): Promise<void>;
}

export interface StartMasterOptions {
  /** Extra `gantry master` flags, appended after the ones this helper sets. */
  args?: string[];
}

export async function startMaster(options: StartMasterOptions = {}): Promise<MasterHandle> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "gantry-master-"));
  const [port, clientPort, peerPort] = [await freePort(), await freePort(), await freePort()];
  let child!: ChildProcess;
  let log = "";

  const launch = async () => {
    child = spawn(process.execPath, [GANTRY, "master", "--data-dir", dataDir, "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--port", String(port), "--etcd-client-port", String(clientPort), "--etcd-peer-port", String(peerPort), ...(options.args ?? [])], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, GANTRY_LOG_LEVEL: "info" },
    });
    child.stdout!.on("data", (d) => (log += d));
    child.stderr!.on("data", (d) => (log += d));
    await waitReady(port, path.join(dataDir, "admin.conf"), child, () => log);
  };

  const exited = (c: ChildProcess) => new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once("exit", () => resolve())));

  const handle: MasterHandle = {
    dataDir,
    port,
    kubeconfig: path.join(dataDir, "admin.conf"),
    server: `https://127.0.0.1:${port}`,
    etcdEndpoint: `https://127.0.0.1:${clientPort}`,
    etcdTls: () => {
      const [ca, cert, key] = etcdClientFiles(dataDir);
      return { caPem: readFileSync(ca, "utf8"), certPem: readFileSync(cert, "utf8"), keyPem: readFileSync(key, "utf8") };
    },
    etcdctlTlsArgs: () => {
      const [ca, cert, key] = etcdClientFiles(dataDir);
      return ["--cacert", ca, "--cert", cert, "--key", key];
    },
    get process() {
      return child;
    },
    output: () => log,
    async kill(signal = "SIGKILL") {
      child.kill(signal);
      await exited(child);
      if (signal === "SIGKILL") await killStrayEtcd(dataDir);
    },
    async restart() {
      await launch();
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited(child);
        clearTimeout(timer);
      }
      await killStrayEtcd(dataDir);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await launch();
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return handle;
}

/** The etcd CA and the API's etcd client certificate in a master's data dir. */
function etcdClientFiles(dataDir: string): [ca: string, cert: string, key: string] {
  const pki = path.join(dataDir, "pki");
  return [path.join(pki, "etcd", "ca.crt"), path.join(pki, "apiserver-etcd-client.crt"), path.join(pki, "apiserver-etcd-client.key")];
}

/** A SIGKILLed master cannot stop its etcd child; find it by its data dir and end it. */
async function killStrayEtcd(dataDir: string): Promise<void> {
  const { execFileSync } = await import("node:child_process");
  try {
    execFileSync("pkill", ["-KILL", "-f", "--", `--data-dir ${path.join(dataDir, "etcd")}`], { stdio: "ignore" });
  } catch {
    // none left
  }
  for (let i = 0; i < 50; i++) {
    try {
      execFileSync("pgrep", ["-f", "--", `--data-dir ${path.join(dataDir, "etcd")}`], { stdio: "ignore" });
      await new Promise((r) => setTimeout(r, 100));
    } catch {
      return;
    }
  }
}

async function waitReady(port: number, kubeconfigPath: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`gantry master exited with ${child.exitCode}:\n${output()}`);
    // Ready once the API answers and the admin kubeconfig it writes after listening exists.
    if ((await readyz(port)) && existsSync(kubeconfigPath)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`gantry master did not become ready in 60s:\n${output()}`);
}

function readyz(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get({ host: "127.0.0.1", port, path: "/readyz", rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => {
      req.destroy();
      resolve(false);
    });
  });
}

export async function readKubeconfig(handle: MasterHandle): Promise<string> {
  if (!existsSync(handle.kubeconfig)) throw new Error("no kubeconfig yet");
  return readFile(handle.kubeconfig, "utf8");
}
