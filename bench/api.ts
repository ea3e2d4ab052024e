// API throughput: creates, lists and watch deliveries per second through a real master (HTTPS,
// admission, etcd), next to raw etcd puts of the same payloads measured in the same run.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Etcd3 } from "etcd3";
import { etcd3Credentials } from "../master/store/etcd-tls";
import { startMaster } from "../test/helpers/master-process";
import { ApiClient } from "../test/helpers/api-client";
import { round, runConcurrent, writeResult } from "./stats";

const OBJECTS = Number(process.env.BENCH_API_OBJECTS ?? 3000);
const CONCURRENCY = 32;
/**
 * Untimed requests before each timed phase. A freshly started master spends its first thousand
 * or so requests compiling and growing its heap (per-object CPU falls to less than half), so
 * without them the numbers mostly measure V8 warming up, not the request path.
 */
const WARMUP = Number(process.env.BENCH_API_WARMUP ?? 1000);

const configMap = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels: { bench: "api" } }, data: { payload: "x".repeat(256) } });

export async function benchApi(): Promise<Record<string, unknown>> {
  const master = await startMasterWithNodeFlags(process.env.BENCH_API_MASTER_NODE_FLAGS);
  const api = new ApiClient(master.kubeconfig);
  try {
    await api.request("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "bench" } });
    await api.request("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "bench-watch" } });
    await api.request("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "bench-warmup" } });
    await runConcurrent(WARMUP, CONCURRENCY, async (i) => {
      const r = await api.request("POST", "/api/v1/namespaces/bench-warmup/configmaps", configMap(`warm-${i}`));
      if (r.status !== 201) throw new Error(`warm-up create failed: ${r.status} ${r.body}`);
    });

    // Create: POST objects, CONCURRENCY in flight. The CPU each process used shows whether the
    // master, etcd or this client (on the same cores) was the limit.
    const cpuBefore = cpuSnapshot(master.process.pid);
    const createSeconds = await runConcurrent(OBJECTS, CONCURRENCY, async (i) => {
      const r = await api.request("POST", "/api/v1/namespaces/bench/configmaps", configMap(`cm-${i}`));
      if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.body}`);
    });
    const createCpu = cpuDelta(cpuBefore, cpuSnapshot(master.process.pid));

    // The same creates as a service account that RBAC allows through a RoleBinding to `edit`
    // (token verification and RBAC instead of the system:masters shortcut), into a fresh
    // namespace so both phases start from the same object count.
    const asServiceAccount = await serviceAccountClient(api, master.kubeconfig);
    const saCpuBefore = cpuSnapshot(master.process.pid);
    const saCreateSeconds = await runConcurrent(OBJECTS, CONCURRENCY, async (i) => {
      const r = await asServiceAccount.request("POST", "/api/v1/namespaces/bench-sa/configmaps", configMap(`cm-${i}`));
      if (r.status !== 201) throw new Error(`create as the service account failed: ${r.status} ${r.body}`);
    });
    const saCreateCpu = cpuDelta(saCpuBefore, cpuSnapshot(master.process.pid));
    asServiceAccount.close();

    // List: full lists of the namespace, measured in objects returned per second.
    const listRounds = 10;
    let listed = 0;
    const listSeconds = await runConcurrent(listRounds, 1, async () => {
      const r = await api.request("GET", "/api/v1/namespaces/bench/configmaps");
      listed += r.json<{ items: unknown[] }>().items.length;
    });

    // Watch delivery: one API watch open while objects are written straight into etcd as fast as
    // etcd takes them, so the number measures the watch path (etcd watch -> decode -> filter ->
    // JSON stream -> client), not the create path. Time: first write to last event received.
    const etcd = new Etcd3({ hosts: master.etcdEndpoint, credentials: etcd3Credentials(master.etcdTls()) });
    const start = process.hrtime.bigint();
    const watching = api.watch("/api/v1/namespaces/bench-watch/configmaps?watch=true&resourceVersion=" + (await currentRv(api)), (ev) => ev.length >= OBJECTS, 300_000);
    await runConcurrent(OBJECTS, CONCURRENCY, async (i) => {
      const obj = { ...configMap(`w-${i}`), metadata: { name: `w-${i}`, namespace: "bench-watch", uid: `bench-${i}`, creationTimestamp: new Date().toISOString() } };
      await etcd.put(`/registry/configmaps/bench-watch/w-${i}`).value(JSON.stringify(obj));
    });
    const events = await watching;
    const watchSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (events.length < OBJECTS) throw new Error(`watch delivered ${events.length} of ${OBJECTS} events`);

    // Reference: raw etcd puts of the same JSON through the same kind of client, same concurrency.
    const payload = JSON.stringify(configMap("raw"));
    await runConcurrent(WARMUP, CONCURRENCY, async (i) => {
      await etcd.put(`/bench/warm/${i}`).value(payload);
    });
    const etcdSeconds = await runConcurrent(OBJECTS, CONCURRENCY, async (i) => {
      await etcd.put(`/bench/raw/${i}`).value(payload);
    });
    etcd.close();

    const createPerSec = OBJECTS / createSeconds;
    const etcdPerSec = OBJECTS / etcdSeconds;
    const result = {
      benchmark: "api",
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, memoryGiB: round(os.totalmem() / 2 ** 30), node: process.version },
      objects: OBJECTS,
      concurrency: CONCURRENCY,
      warmup: { note: "untimed creates through the API (and raw etcd puts) before the timed phases", requests: WARMUP },
      create: { seconds: round(createSeconds, 3), objectsPerSecond: round(createPerSec), cpuSeconds: createCpu },
      createAsServiceAccount: {
        note: "the same creates with a service-account token allowed by RBAC (RoleBinding to edit) instead of the admin's system:masters certificate",
        seconds: round(saCreateSeconds, 3),
        objectsPerSecond: round(OBJECTS / saCreateSeconds),
        cpuSeconds: saCreateCpu,
      },
      list: { rounds: listRounds, objectsListed: listed, seconds: round(listSeconds, 3), objectsPerSecond: round(listed / listSeconds) },
      watchDelivery: { events: events.length, seconds: round(watchSeconds, 3), eventsPerSecond: round(events.length / watchSeconds) },
      etcdPut: { seconds: round(etcdSeconds, 3), putsPerSecond: round(etcdPerSec) },
      ratios: { createVsEtcdPut: round(createPerSec / etcdPerSec, 3), createAsServiceAccountVsAdmin: round(OBJECTS / saCreateSeconds / createPerSec, 3) },
    };
    return result;
  } finally {
    api.close();
    await master.stop();
  }
}

interface CpuSnapshot {
  client: NodeJS.CpuUsage;
  master: number;
  etcd: number;
}

function cpuSnapshot(masterPid: number | undefined): CpuSnapshot {
  const children = masterPid === undefined ? [] : readProc(`/proc/${masterPid}/task/${masterPid}/children`).split(" ").filter(Boolean);
  return {
    client: process.cpuUsage(),
    master: masterPid === undefined ? 0 : procCpuSeconds(masterPid),
    etcd: children.reduce((sum, pid) => sum + procCpuSeconds(Number(pid)), 0),
  };
}

function cpuDelta(a: CpuSnapshot, b: CpuSnapshot): Record<string, number> {
  const client = process.cpuUsage(a.client);
  return { client: round((client.user + client.system) / 1e6, 2), master: round(b.master - a.master, 2), etcd: round(b.etcd - a.etcd, 2) };
}

/** utime + stime of a process from /proc (Linux; 0 elsewhere), in seconds at 100 ticks/s. */
function procCpuSeconds(pid: number): number {
  const stat = readProc(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields.length > 12 ? (Number(fields[11]) + Number(fields[12])) / 100 : 0;
}

function readProc(file: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return "";
  }
}

/**
 * BENCH_API_MASTER_NODE_FLAGS passes node flags to the master only, e.g. "--cpu-prof
 * --cpu-prof-dir=/tmp/prof" (the profile is written when the master exits after the run).
 * NODE_OPTIONS refuses --cpu-prof, so the master is started through a small exec wrapper.
 */
async function startMasterWithNodeFlags(flags: string | undefined): ReturnType<typeof startMaster> {
  if (!flags) return startMaster();
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-api-node-"));
  const wrapper = path.join(dir, "node");
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  writeFileSync(wrapper, `#!/bin/sh\nexec ${quote(process.execPath)} ${flags.split(/\s+/).filter(Boolean).map(quote).join(" ")} "$@"\n`, { mode: 0o755 });
  const node = process.execPath;
  process.execPath = wrapper;
  try {
    return await startMaster();
  } finally {
    process.execPath = node;
    // The master has exec'd node by now; the bench never restarts it.
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A client with the token of service account bench-sa/writer, bound to `edit` in bench-sa, warmed up. */
async function serviceAccountClient(admin: ApiClient, kubeconfig: string): Promise<ApiClient> {
  const must = async (method: string, path: string, body: unknown) => {
    const r = await admin.request(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body}`);
    return r;
  };
  await must("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "bench-sa" } });
  await must("POST", "/api/v1/namespaces/bench-sa/serviceaccounts", { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "writer" } });
  await must("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/bench-sa/rolebindings", {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "writer-edit" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
    subjects: [{ kind: "ServiceAccount", name: "writer", namespace: "bench-sa" }],
  });
  const token = (await must("POST", "/api/v1/namespaces/bench-sa/serviceaccounts/writer/token", { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } })).json<{ status: { token: string } }>().status.token;
  const client = new ApiClient(kubeconfig, { token });
  // Until the binding is in the master's RBAC cache the creates are refused; then warm up.
  for (let i = 0; ; i++) {
    const r = await client.request("POST", "/api/v1/namespaces/bench-sa/configmaps", configMap(`probe-${i}`));
    if (r.status === 201) break;
    if (i > 200) throw new Error(`the service account never got to create: ${r.status} ${r.body}`);
    await new Promise((res) => setTimeout(res, 50));
  }
  await runConcurrent(WARMUP, CONCURRENCY, async (i) => {
    const r = await client.request("POST", "/api/v1/namespaces/bench-sa/configmaps", configMap(`warm-${i}`));
    if (r.status !== 201) throw new Error(`warm-up create as the service account failed: ${r.status} ${r.body}`);
  });
  return client;
}

async function currentRv(api: ApiClient): Promise<string> {
  return (await api.request("GET", "/api/v1/namespaces/bench-watch/configmaps?limit=1")).json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
}

if (require.main === module) {
  benchApi().then(
    (r) => console.log(`wrote ${writeResult("api", r)}\n${JSON.stringify(r, null, 2)}`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
