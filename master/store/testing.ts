// A throwaway etcd for tests anywhere in the tree: free loopback ports, a fresh temp dir,
// everything removed by stop(). Also removed if the test process exits without calling
// stop(), so a failing test cannot leave members or directories behind.

import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureEtcdPki } from "../pki/etcd";
import { EtcdProcess } from "./etcd-process";
import { EtcdStore } from "./etcd-store";
import { apiserverEtcdClient, etcdTlsFiles, healthcheckClient, type EtcdClientTls } from "./etcd-tls";
import { freePorts } from "./ports";
import type { Store } from "./types";

export interface TestEtcdOptions {
  /** Parent of the temp dir. Default os.tmpdir(). */
  baseDir?: string;
  /** etcd's progress notifications, which drive watch bookmarks. Default 1000 (production: 5000). */
  progressNotifyIntervalMs?: number;
  /** etcd's log lines; dropped by default. */
  log?: (line: string) => void;
  /** etcd's space quota (`--quota-backend-bytes`), e.g. to run out of space quickly. Default 4 GiB. */
  quotaBackendBytes?: number;
  /** Serve TLS with client certificates as a master's member does (an etcd PKI in `<dir>/pki`). Default false. */
  tls?: boolean;
}

export interface TestEtcd {
  /** Client URL, e.g. http://127.0.0.1:41234 (https with `tls`). */
  endpoint: string;
  /** With `tls`: the PKI directory (`<dir>/pki`, etcd CA in `pki/etcd`) and the API's client credentials. */
  pkiDir?: string;
  tls?: EtcdClientTls;
  store: EtcdStore;
  etcd: EtcdProcess;
  /** The temp dir; etcd's data is in `<dir>/etcd`. */
  dir: string;
  /** Closes the store, stops etcd and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

/** Live members, cleaned up synchronously if the process exits first. */
const live = new Set<{ etcd: EtcdProcess; dir: string }>();
let exitHookInstalled = false;

export async function startTestEtcd(options: TestEtcdOptions = {}): Promise<TestEtcd> {
  installExitHook();
  const dir = await mkdtemp(join(options.baseDir ?? tmpdir(), "gantry-etcd-"));
  try {
    const pkiDir = join(dir, "pki");
    const pki = options.tls ? await ensureEtcdPki(pkiDir, { name: "test", names: { hostnames: [], ips: [] } }) : undefined;
    const tls = pki && apiserverEtcdClient(pki);
    const etcd = await startOnFreePorts(dir, options, pki && { files: etcdTlsFiles(pkiDir), health: healthcheckClient(pki) });
    const entry = { etcd, dir };
    live.add(entry);
    const store = new EtcdStore({ endpoints: [etcd.clientUrl], tls });
    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        try {
          await store.close();
        } finally {
          try {
            await etcd.stop();
          } finally {
            live.delete(entry);
            await rm(dir, { recursive: true, force: true });
          }
        }
      })());
    return { endpoint: etcd.clientUrl, store, etcd, dir, stop, ...(pki ? { pkiDir, tls } : {}) };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Another process can take a "free" port before etcd binds it; then try fresh ports. */
async function startOnFreePorts(dir: string, options: TestEtcdOptions, tls?: { files: ReturnType<typeof etcdTlsFiles>; health: EtcdClientTls }): Promise<EtcdProcess> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const [clientPort, peerPort] = await freePorts(2);
    const etcd = new EtcdProcess({
      dataDir: join(dir, "etcd"),
      name: "test",
      clientPort,
      peerPort,
      progressNotifyIntervalMs: options.progressNotifyIntervalMs ?? 1000,
      log: options.log,
      quotaBackendBytes: options.quotaBackendBytes,
      tls: tls?.files,
      healthClient: tls?.health,
      startTimeoutMs: 30_000,
      stopTimeoutMs: 5000,
    });
    try {
      await etcd.start();
      return etcd;
    } catch (err) {
      lastError = err;
      // A half-initialised member dir would pin the old ports; start the next try clean.
      await rm(join(dir, "etcd"), { recursive: true, force: true });
    }
  }
  throw lastError;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const { etcd, dir } of live) {
      const pid = etcd.pid;
      if (pid !== undefined) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

export interface InterceptedStore {
  store: Store;
  /**
   * The next watch of exactly `prefix` first runs `between` (writes, then a compaction past the
   * watch's start): the watch then starts below the compaction, as a watcher that fell behind
   * does, deterministically. Returns a promise of that watch's start.
   */
  compactBeforeNextWatch(prefix: string, between: () => Promise<void>): Promise<void>;
}

/** `store` with a hook before its watches (see InterceptedStore). Every other call goes straight through. */
export function interceptWatches(store: Store): InterceptedStore {
  const armed = new Map<string, { between: () => Promise<void>; done: () => void }>();
  const intercepted: Store = Object.create(store) as Store;
  intercepted.watch = async (prefix, options, handlers) => {
    const hook = armed.get(prefix);
    if (hook) {
      armed.delete(prefix);
      await hook.between();
      hook.done();
    }
    return store.watch(prefix, options, handlers);
  };
  return {
    store: intercepted,
    compactBeforeNextWatch: (prefix, between) => new Promise<void>((done) => armed.set(prefix, { between, done })),
  };
}
