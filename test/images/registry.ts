// A real OCI registry for tests: Debian's docker-registry (distribution 2.8) on
// 127.0.0.1:<free port>, with its storage in a temp dir. stop() ends the process and removes
// everything it made (a storage dir passed in by the caller is left alone).

import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, promises as fs } from "node:fs";
import { createServer } from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export const RegistryBinary = "/usr/bin/docker-registry";

export interface TokenAuthConfig {
  realm: string;
  service: string;
  issuer: string;
  /** PEM file of the certificate(s) whose keys sign tokens. */
  rootCertBundle: string;
}

export interface StartRegistryOptions {
  /** Serve this storage dir (e.g. another registry's) instead of a fresh one. */
  storageDir?: string;
  tokenAuth?: TokenAuthConfig;
}

export interface TestRegistry {
  /** "127.0.0.1:<port>", as it appears in image references. */
  host: string;
  url: string;
  storageDir: string;
  /** The registry's stdout+stderr so far (access log included). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

function configYaml(port: number, storageDir: string, auth?: TokenAuthConfig): string {
  const lines = [
    "version: 0.1",
    "log:",
    "  level: warn",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${JSON.stringify(storageDir)}`,
    "  maintenance:",
    "    uploadpurging:",
    "      enabled: false",
    "http:",
    `  addr: 127.0.0.1:${port}`,
    "  secret: gantry-test-registry-secret",
  ];
  if (auth) {
    lines.push(
      "auth:",
      "  token:",
      `    realm: ${JSON.stringify(auth.realm)}`,
      `    service: ${JSON.stringify(auth.service)}`,
      `    issuer: ${JSON.stringify(auth.issuer)}`,
      `    rootcertbundle: ${JSON.stringify(auth.rootCertBundle)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

export async function startRegistry(opts: StartRegistryOptions = {}): Promise<TestRegistry> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-registry-"));
  const storageDir = opts.storageDir ?? path.join(dir, "storage");
  const logFile = path.join(dir, "registry.log");
  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill("SIGKILL");
  process.once("exit", killOnExit);

  const stop = async () => {
    process.off("exit", killOnExit);
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child?.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child?.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    await fs.rm(dir, { recursive: true, force: true });
  };

  try {
    await fs.mkdir(storageDir, { recursive: true });
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const configFile = path.join(dir, "config.yml");
      await fs.writeFile(configFile, configYaml(port, storageDir, opts.tokenAuth));
      const log = createWriteStream(logFile, { flags: "a" });
      await new Promise((resolve) => log.once("open", resolve));
      child = spawn(RegistryBinary, ["serve", configFile], { stdio: ["ignore", log, log] });
      log.close();
      const url = `http://127.0.0.1:${port}`;
      if (await waitReady(url, child)) {
        return { host: `127.0.0.1:${port}`, url, storageDir, log: () => fs.readFile(logFile, "utf8"), stop };
      }
      if (child.exitCode === null) child.kill("SIGKILL");
      if (attempt >= 2) throw new Error(`docker-registry did not start: ${await fs.readFile(logFile, "utf8").catch(() => "")}`);
    }
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Polls GET /v2/ until it answers (200, or 401 with auth on); false if the process died or 15 s passed. */
async function waitReady(url: string, child: ChildProcess): Promise<boolean> {
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let dead = false;
  void exited.then(() => (dead = true));
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && !dead) {
    try {
      const res = await fetch(`${url}/v2/`);
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 401) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
