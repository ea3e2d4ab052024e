// API throughput: creates, lists and watch deliveries per second through a real master (HTTPS,
// admission, etcd), next to raw etcd puts of the same payloads measured in the same run.

import os from "node:os";
import { Etcd3 } from "etcd3";
import { startMaster } from "../test/helpers/master-process";
import { ApiClient } from "../test/helpers/api-client";
import { round, runConcurrent, writeResult } from "./stats";

const OBJECTS = Number(process.env.BENCH_API_OBJECTS ?? 3000);
const CONCURRENCY = 32;

const configMap = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels: { bench: "api" } }, data: { payload: "x".repeat(256) } });

export async function benchApi(): Promise<Record<string, unknown>> {
  const master = await startMaster();
  const api = new ApiClient(master.kubeconfig);
  try {
    await api.request("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "bench" } });
    await api.request("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "bench-watch" } });

    // Create: POST objects, CONCURRENCY in flight.
    const createSeconds = await runConcurrent(OBJECTS, CONCURRENCY, async (i) => {
      const r = await api.request("POST", "/api/v1/namespaces/bench/configmaps", configMap(`cm-${i}`));
      if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.body}`);
    });

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
    const etcd = new Etcd3({ hosts: master.etcdEndpoint });
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
      create: { seconds: round(createSeconds, 3), objectsPerSecond: round(createPerSec) },
      list: { rounds: listRounds, objectsListed: listed, seconds: round(listSeconds, 3), objectsPerSecond: round(listed / listSeconds) },
      watchDelivery: { events: events.length, seconds: round(watchSeconds, 3), eventsPerSecond: round(events.length / watchSeconds) },
      etcdPut: { seconds: round(etcdSeconds, 3), putsPerSecond: round(etcdPerSec) },
      ratios: { createVsEtcdPut: round(createPerSec / etcdPerSec, 3) },
    };
    return result;
  } finally {
    api.close();
    await master.stop();
  }
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
