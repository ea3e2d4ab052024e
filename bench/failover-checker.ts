// The load and the correctness checks of the failover benchmark (bench/failover.ts), run as its
// own process inside the benchmark's client host (a network namespace that reaches the masters).
//
//  - Writers: `writers` loops, each creating ConfigMaps w<k>-<n> one after another through any
//    master that answers (every master serves the API). A write counts as acknowledged only on
//    201 Created; a write that failed is retried on the next master under the same name (409
//    AlreadyExists then means an unacknowledged earlier try landed: counted, not an ack).
//  - Probe pods: one pod every `podIntervalMs`, tolerating every taint, for the scheduler to bind
//    to the hollow Node this process creates (an object only: no agent runs it).
//  - Watches on ConfigMaps and Pods, resumed from the last resourceVersion on another master when
//    a stream ends: every event's resourceVersion must be >= the last one seen (never back).
//    Every pod seen bound for the first time is reported as {"type":"bound",name,rv,at}.
//  - On "stop" (a line on stdin): stops the load, lists ConfigMaps and checks every acknowledged
//    write is there with its value; prints {"type":"summary",...} and exits.
//
// Output: one JSON object per line on stdout.

import { createInterface } from "node:readline";
import { ApiClient } from "../test/helpers/api-client";

export interface CheckerConfig {
  kubeconfigs: string[];
  writers: number;
  podIntervalMs: number;
}

const NS = "default";
const NODE = "hollow-failover";
const REQUEST_TIMEOUT_MS = 5000;

interface Acked {
  name: string;
  value: string;
  at: number;
}

type WatchEvent = { type: string; object: Record<string, unknown> };

const config = JSON.parse(process.argv[2] ?? "{}") as CheckerConfig;
const masters = config.kubeconfigs.map((k) => new ApiClient(k));
let running = true;
let turn = 0;
const acked: Acked[] = [];
const stats = { writeErrors: 0, ambiguousLanded: 0, podsCreated: 0, podCreateErrors: 0, watchRegressions: [] as string[], watchResumes: 0, watchRelists: 0 };

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One request through the masters in turn until one gives an answer that is not a server error. */
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: () => Record<string, unknown> }> {
  for (let attempt = 0; ; attempt++) {
    const client = masters[turn++ % masters.length];
    try {
      const res = await client.request(method, path, body, {}, { timeoutMs: REQUEST_TIMEOUT_MS });
      if (res.status < 500 && res.status !== 429) return res;
    } catch {
      // down or slow: the next master
    }
    if (method === "POST" && !running) throw new Error("stopped");
    if (attempt % masters.length === masters.length - 1) await sleep(50);
  }
}

async function writer(k: number): Promise<void> {
  for (let n = 0; running; n++) {
    const name = `w${k}-${n}`;
    const value = `${k}:${n}:${Date.now()}`;
    for (;;) {
      let res;
      try {
        res = await call("POST", `/api/v1/namespaces/${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { value } });
      } catch {
        return; // stopped while retrying: this write was never acknowledged
      }
      if (res.status === 201) {
        acked.push({ name, value, at: Date.now() });
        break;
      }
      if (res.status === 409) {
        stats.ambiguousLanded++;
        break;
      }
      stats.writeErrors++;
      await sleep(50);
    }
  }
}

async function probePods(): Promise<void> {
  for (let n = 0; running; n++) {
    const started = Date.now();
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `probe-${n}`, labels: { app: "failover-probe" } },
      spec: { automountServiceAccountToken: false, tolerations: [{ operator: "Exists" }], containers: [{ name: "c", image: "registry.invalid/pause:1" }] },
    };
    try {
      const res = await call("POST", `/api/v1/namespaces/${NS}/pods`, pod);
      if (res.status === 201) stats.podsCreated++;
      else if (res.status !== 409) stats.podCreateErrors++;
    } catch {
      return;
    }
    await sleep(Math.max(0, config.podIntervalMs - (Date.now() - started)));
  }
}

/** A watch of `plural` in NS that survives masters going away, resuming from the last revision. */
function resilientWatch(plural: string, onObject: (type: string, obj: Record<string, unknown>, rv: number) => void): { close(): void } {
  let lastRv = 0;
  let current: { close(): void } | undefined;
  let closed = false;
  let relists = 0;
  const list = async () => {
    const res = await call("GET", `/api/v1/namespaces/${NS}/${plural}`);
    const body = res.json() as { metadata: { resourceVersion: string }; items: Record<string, unknown>[] };
    const rv = Number(body.metadata.resourceVersion);
    if (rv < lastRv) stats.watchRegressions.push(`${plural}: list at ${rv} after ${lastRv}`);
    lastRv = Math.max(lastRv, rv);
    for (const item of body.items) onObject("LISTED", item, rv);
  };
  const open = () => {
    if (closed) return;
    const client = masters[turn++ % masters.length];
    current = client.openWatch(
      `/api/v1/namespaces/${NS}/${plural}?watch=1&allowWatchBookmarks=true&resourceVersion=${lastRv}`,
      (event: WatchEvent) => {
        const meta = event.object.metadata as { resourceVersion?: string } | undefined;
        if (event.type === "ERROR") {
          // 410 Gone: the revision was compacted away; a fresh list, then watch on.
          stats.watchRelists++;
          current?.close();
          return;
        }
        const rv = Number(meta?.resourceVersion);
        if (rv < lastRv) stats.watchRegressions.push(`${plural}: ${event.type} at ${rv} after ${lastRv}`);
        lastRv = Math.max(lastRv, rv);
        if (event.type !== "BOOKMARK") onObject(event.type, event.object, rv);
      },
      () => {
        if (closed) return;
        stats.watchResumes++;
        setTimeout(() => {
          if (stats.watchRelists > relists) {
            relists = stats.watchRelists;
            list().then(open, open);
          } else {
            open();
          }
        }, 100);
      },
    );
  };
  void list().then(open);
  return {
    close() {
      closed = true;
      current?.close();
    },
  };
}

async function main(): Promise<void> {
  const capacity = { cpu: "1000", memory: "1000Gi", pods: "1000000" };
  const node = { apiVersion: "v1", kind: "Node", metadata: { name: NODE }, spec: {}, status: { capacity, allocatable: capacity, conditions: [{ type: "Ready", status: "True", reason: "HollowNode", message: "simulated node: no agent" }] } };
  const made = await call("POST", "/api/v1/nodes", node);
  if (made.status !== 201 && made.status !== 409) throw new Error(`creating the hollow node: ${made.status}`);

  const bound = new Set<string>();
  const seenConfigMaps = new Set<string>();
  const watches = [
    resilientWatch("configmaps", (_type, obj) => seenConfigMaps.add((obj.metadata as { name: string }).name)),
    resilientWatch("pods", (type, obj, rv) => {
      const name = (obj.metadata as { name: string }).name;
      const nodeName = (obj.spec as { nodeName?: string } | undefined)?.nodeName;
      if (nodeName && !bound.has(name)) {
        bound.add(name);
        if (type !== "LISTED") emit({ type: "bound", name, rv, at: Date.now() });
      }
    }),
  ];
  const load = [...Array.from({ length: config.writers }, (_, k) => writer(k)), probePods()];
  emit({ type: "ready" });

  await new Promise<void>((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.on("line", (l) => l.trim() === "stop" && resolve());
    lines.on("close", () => resolve());
  });
  running = false;
  await Promise.all(load);
  // Give the watches a moment to deliver the last writes.
  await sleep(2000);
  for (const w of watches) w.close();

  const res = await call("GET", `/api/v1/namespaces/${NS}/configmaps`);
  const stored = new Map<string, string>();
  for (const item of (res.json() as { items: { metadata: { name: string }; data?: { value?: string } }[] }).items) stored.set(item.metadata.name, item.data?.value ?? "");
  const lost = acked.filter((a) => stored.get(a.name) !== a.value);
  const unseen = acked.filter((a) => !seenConfigMaps.has(a.name));
  const ackTimes = acked.map((a) => a.at).sort((a, b) => a - b);
  let longestGapMs = 0;
  for (let i = 1; i < ackTimes.length; i++) longestGapMs = Math.max(longestGapMs, ackTimes[i] - ackTimes[i - 1]);
  emit({
    type: "summary",
    acknowledgedWrites: acked.length,
    lostWrites: lost.length,
    lost: lost.slice(0, 20).map((a) => a.name),
    ackedButNeverSeenByWatch: unseen.length,
    longestGapBetweenAcksMs: longestGapMs,
    podsBound: bound.size,
    ...stats,
  });
  for (const m of masters) m.close();
}

main().catch((err: unknown) => {
  emit({ type: "error", error: err instanceof Error ? err.stack : String(err) });
  process.exit(1);
});
