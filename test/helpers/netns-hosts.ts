// Test "hosts" as network namespaces (DESIGN §8). One test network is:
//
//   netns gtest-<t>-<r>-br : bridge br0, one veth end per host (h1, h2, ...)
//   netns gtest-<t>-<r>-N  : eth0 = 10.250.X.N/24, lo up, default route = blackhole
//
// The bridge lives in its own namespace, so nothing is attached to the root namespace's
// interfaces, and every host's only way out is a blackhole: a mistake drops packets instead of
// sending them anywhere. X is random per network; since each network has its own bridge, two
// runs with the same X cannot hear each other anyway. `<t>` is the creation time (seconds,
// base 36), which lets sweepStaleTestNetworks() remove what a crashed run left behind.
//
// Processes run inside with `ip netns exec` (which execs, so the pid is the process's own).
// destroy() kills them, then anything else left in the namespaces, then deletes the
// namespaces, which removes their veths and the bridge. It also runs on process exit and on
// SIGINT/SIGTERM, so a failing or interrupted test leaves nothing behind.

import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";

const PREFIX = "gtest-";
const STALE_AFTER_MS = 60 * 60 * 1000;

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestHost {
  /** Logical name given at creation, e.g. "m1". */
  readonly name: string;
  readonly netns: string;
  /** eth0's IPv4 address. */
  readonly address: string;
  /** Starts `command` inside this host's namespace; destroy() kills it if still running. */
  spawn(command: string, args: string[], options?: SpawnOptions): ChildProcess;
  /** Runs `command` inside the namespace to completion; never rejects on a non-zero exit. */
  exec(command: string, args: string[], options?: { timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string }): Promise<ExecResult>;
  /** Takes the host's bridge port down (a cut cable), or brings it back. */
  setLink(up: boolean): void;
}

export interface TestNet {
  readonly id: string;
  /** e.g. "10.250.37.0/24". */
  readonly subnet: string;
  readonly bridgeNetns: string;
  readonly hosts: TestHost[];
  host(name: string): TestHost;
  /**
   * One more namespace of this network (`<id>-<suffix>`, lo up, no other interface), removed
   * with the rest; the caller wires it (e.g. a "pod" on a bridge inside a host).
   */
  addNamespace(suffix: string): TestHost;
  /** Kills every process in the network's namespaces and deletes them. Safe to call twice. */
  destroy(): Promise<void>;
}

const live = new Set<NetState>();
let hooksInstalled = false;

interface NetState {
  namespaces: string[];
  children: Set<ChildProcess>;
  destroyed: boolean;
}

/** Creates a network with one host per name (addresses .1, .2, ... in order). */
export async function createTestNet(hostNames: string[]): Promise<TestNet> {
  if (hostNames.length === 0 || hostNames.length > 200) throw new Error("a test network has 1 to 200 hosts");
  requireRoot();
  installHooks();
  sweepStaleTestNetworks();

  const id = `${PREFIX}${Math.floor(Date.now() / 1000).toString(36)}-${randomBytes(2).toString("hex")}`;
  const octet = randomInt(0, 256);
  const state: NetState = { namespaces: [], children: new Set(), destroyed: false };
  live.add(state);
  const bridgeNetns = `${id}-br`;
  const hosts: TestHost[] = [];
  try {
    addNetns(state, bridgeNetns);
    ip("-n", bridgeNetns, "link", "set", "lo", "up");
    ip("-n", bridgeNetns, "link", "add", "br0", "type", "bridge");
    ip("-n", bridgeNetns, "link", "set", "br0", "up");
    hostNames.forEach((name, i) => {
      const n = i + 1;
      const netns = `${id}-${n}`;
      const address = `10.250.${octet}.${n}`;
      const port = `h${n}`;
      addNetns(state, netns);
      // Both veth ends are created in test namespaces; the root namespace never sees them.
      ip("-n", bridgeNetns, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", netns);
      ip("-n", bridgeNetns, "link", "set", port, "master", "br0");
      ip("-n", bridgeNetns, "link", "set", port, "up");
      ip("-n", netns, "link", "set", "lo", "up");
      ip("-n", netns, "addr", "add", `${address}/24`, "dev", "eth0");
      ip("-n", netns, "link", "set", "eth0", "up");
      ip("-n", netns, "route", "add", "blackhole", "default");
      hosts.push(makeHost(state, name, netns, address, () => ip("-n", bridgeNetns, "link", "set", port, "down"), () => ip("-n", bridgeNetns, "link", "set", port, "up")));
    });
  } catch (err) {
    destroySync(state);
    throw err;
  }
  return {
    id,
    subnet: `10.250.${octet}.0/24`,
    bridgeNetns,
    hosts,
    host(name: string) {
      const h = hosts.find((x) => x.name === name);
      if (!h) throw new Error(`test network ${id} has no host "${name}"`);
      return h;
    },
    addNamespace(suffix: string) {
      if (!/^[a-z0-9]{1,8}$/.test(suffix)) throw new Error(`namespace suffix ${JSON.stringify(suffix)}: 1-8 lower-case letters or digits`);
      const netns = `${id}-${suffix}`;
      addNetns(state, netns);
      ip("-n", netns, "link", "set", "lo", "up");
      return makeHost(state, suffix, netns, "", () => undefined, () => undefined);
    },
    destroy: () => destroy(state),
  };
}

function makeHost(state: NetState, name: string, netns: string, address: string, down: () => void, up: () => void): TestHost {
  return {
    name,
    netns,
    address,
    spawn(command, args, options = {}) {
      if (state.destroyed) throw new Error(`test host ${name} (${netns}) was destroyed`);
      const child = spawn("ip", ["netns", "exec", netns, command, ...args], options);
      state.children.add(child);
      child.once("exit", () => state.children.delete(child));
      return child;
    },
    exec(command, args, options = {}) {
      return new Promise((resolve, reject) => {
        const child = execFile(
          "ip",
          ["netns", "exec", netns, command, ...args],
          { timeout: options.timeoutMs ?? 60_000, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 },
          (err, stdout, stderr) => {
            if (err && typeof (err as { code?: unknown }).code !== "number") {
              // Killed by the timeout (or a signal): report it as a failed run, with its output.
              if ((err as { killed?: boolean }).killed) return resolve({ code: -1, stdout, stderr: `${stderr}\n(${command} killed after ${options.timeoutMs ?? 60_000}ms)` });
              return reject(err);
            }
            resolve({ code: err ? Number((err as { code: number }).code) : 0, stdout, stderr });
          },
        );
        state.children.add(child);
        child.once("exit", () => state.children.delete(child));
        if (options.input !== undefined) child.stdin!.end(options.input);
      });
    },
    setLink(isUp: boolean) {
      (isUp ? up : down)();
    },
  };
}

async function destroy(state: NetState): Promise<void> {
  if (state.destroyed) return;
  const waits = [...state.children].map((c) => new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once("exit", () => resolve()))));
  for (const c of state.children) c.kill("SIGKILL");
  await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 5000))]);
  destroySync(state);
}

/** Kills what is left in the namespaces and deletes them; synchronous so exit hooks can use it. */
function destroySync(state: NetState): void {
  if (state.destroyed) return;
  state.destroyed = true;
  for (const c of state.children) {
    try {
      c.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  for (const ns of [...state.namespaces].reverse()) deleteNetns(ns);
  live.delete(state);
}

function addNetns(state: NetState, name: string): void {
  ip("netns", "add", name);
  state.namespaces.push(name);
}

/** Kills every process in `ns` (e.g. an etcd whose master was SIGKILLed), then deletes it. */
function deleteNetns(ns: string): void {
  for (let attempt = 0; attempt < 50; attempt++) {
    const pids = netnsPids(ns);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // exited meanwhile
      }
    }
    sleepSync(100);
  }
  try {
    ip("netns", "del", ns);
  } catch (err) {
    if (listNetns().includes(ns)) console.error(`netns-hosts: could not delete ${ns}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function netnsPids(ns: string): number[] {
  try {
    return execFileSync("ip", ["netns", "pids", ns], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
      .split(/\s+/)
      .filter((p) => /^\d+$/.test(p))
      .map(Number)
      .filter((pid) => pid !== process.pid);
  } catch {
    return [];
  }
}

function listNetns(): string[] {
  const out = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
  return out.split("\n").map((line) => line.split(" ")[0]).filter((n) => n !== "");
}

/**
 * Deletes test namespaces (and kills their processes) created by runs that ended without
 * cleaning up: every `gtest-` namespace older than an hour. Younger ones may belong to a test
 * running right now and are left alone. Returns the names deleted.
 */
export function sweepStaleTestNetworks(nowMs = Date.now(), maxAgeMs = STALE_AFTER_MS): string[] {
  const swept: string[] = [];
  for (const ns of listNetns()) {
    const created = testNetCreatedAt(ns);
    if (created === undefined || nowMs - created < maxAgeMs) continue;
    deleteNetns(ns);
    swept.push(ns);
  }
  return swept;
}

/** Creation time (ms) encoded in a test namespace's name; undefined for other namespaces. */
export function testNetCreatedAt(ns: string): number | undefined {
  const m = /^gtest-([0-9a-z]{5,8})-[0-9a-f]{4}-/.exec(ns);
  if (!m) return undefined;
  const seconds = parseInt(m[1], 36);
  return Number.isFinite(seconds) ? seconds * 1000 : undefined;
}

function ip(...args: string[]): void {
  try {
    execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`ip ${args.join(" ")} failed${stderr ? `: ${stderr}` : ""}`);
  }
}

function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new Error("test networks need root (network namespaces); run the HA tests as root");
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once("exit", () => {
    for (const state of [...live]) destroySync(state);
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const onSignal = () => {
      for (const state of [...live]) destroySync(state);
      // Then die of the signal as we would have without this hook.
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs a command in a test host's network namespace with the machine's own mounts (as the
 * agents run: `nsenter --net`, not `ip netns exec`, which remounts /sys); never rejects.
 */
export function execInHostNetwork(host: { netns: string }, argv: string[], timeoutMs = 30_000): Promise<ExecResult> {
  return new Promise((resolve) =>
    execFile("nsenter", [`--net=/run/netns/${host.netns}`, "--", ...argv], { timeout: timeoutMs }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    ),
  );
}
