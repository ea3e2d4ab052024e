// The table `gantry bench` prints at the end, and the rows its summary charts draw: per
// benchmark, the headline numbers next to the reference measured in the same run. Pure: a
// results object in, rows out; a number a result does not have is left out, never invented.

export interface SummaryRow {
  benchmark: string;
  metric: string;
  value: number;
  unit: string;
  /** The same quantity for the reference (raw etcd, raw runc, nft by hand, ...), if any. */
  reference?: number;
  referenceName?: string;
}

type Obj = Record<string, unknown>;

/** The number at `path` ("a.b.c"), or undefined. */
export function numberAt(o: unknown, path: string): number | undefined {
  let v: unknown = o;
  for (const k of path.split(".")) v = typeof v === "object" && v !== null ? (v as Obj)[k] : undefined;
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function row(rows: SummaryRow[], r: Omit<SummaryRow, "value" | "reference"> & { value?: number; reference?: number }): void {
  if (r.value === undefined) return;
  rows.push({ ...r, value: r.value, reference: r.reference, referenceName: r.reference === undefined ? undefined : r.referenceName });
}

function scheduler(res: Obj): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const etcdKeys = numberAt(res, "reference.batched.keysPerSecond");
  for (const w of (res.workloads as Obj[] | undefined) ?? []) {
    const name = typeof w.name === "string" ? `scheduler ${w.name}${w.mode && w.mode !== "master" ? ` (${String(w.mode)})` : ""}` : "scheduler real agents";
    row(rows, { benchmark: name, metric: "pods/s", unit: "pods/s", value: numberAt(w, "throughput.podsPerSecond") ?? numberAt(w, "podsPerSecond"), reference: typeof w.name === "string" ? etcdKeys : undefined, referenceName: "etcd batched txn keys/s" });
    row(rows, { benchmark: name, metric: "latency p50", unit: "ms", value: numberAt(w, "latencyMs.p50") });
    row(rows, { benchmark: name, metric: "latency p99", unit: "ms", value: numberAt(w, "latencyMs.p99") });
    row(rows, { benchmark: name, metric: "nodes used", unit: "nodes", value: numberAt(w, "packing.nodesUsed"), reference: numberAt(w, "packing.lowerBound"), referenceName: "lower bound" });
    row(rows, { benchmark: name, metric: "master CPU per pod", unit: "ms", value: numberAt(w, "cpu.msPerPod") });
  }
  return rows;
}

function api(res: Obj): SummaryRow[] {
  const rows: SummaryRow[] = [];
  row(rows, { benchmark: "api", metric: "creates/s", unit: "objects/s", value: numberAt(res, "create.objectsPerSecond"), reference: numberAt(res, "etcdPut.putsPerSecond"), referenceName: "raw etcd puts/s" });
  row(rows, { benchmark: "api", metric: "list", unit: "objects/s", value: numberAt(res, "list.objectsPerSecond") });
  row(rows, { benchmark: "api", metric: "watch delivery", unit: "events/s", value: numberAt(res, "watchDelivery.eventsPerSecond") });
  return rows;
}

function runtime(res: Obj): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const raw = "overlay mount + runc run";
  row(rows, { benchmark: "runtime", metric: "pod start p50", unit: "ms", value: numberAt(res, "podStart.oursMs.p50"), reference: numberAt(res, "podStart.rawOverlayMountPlusRuncRunMs.p50"), referenceName: raw });
  row(rows, { benchmark: "runtime", metric: "pod start p99", unit: "ms", value: numberAt(res, "podStart.oursMs.p99"), reference: numberAt(res, "podStart.rawOverlayMountPlusRuncRunMs.p99"), referenceName: raw });
  row(rows, { benchmark: "runtime", metric: `${numberAt(res, "batchStart.pods") ?? "?"} pods at once → all running`, unit: "ms", value: numberAt(res, "batchStart.allRunningMs") });
  row(rows, { benchmark: "runtime", metric: "pull busybox", unit: "ms", value: numberAt(res, "pull.busybox.oursMs.median"), reference: numberAt(res, "pull.busybox.reference.medianMs"), referenceName: "skopeo + umoci" });
  row(rows, { benchmark: "runtime", metric: `pull ${numberAt(res, "pull.big.randomMiB") ?? "?"} MiB`, unit: "ms", value: numberAt(res, "pull.big.oursMs.median"), reference: numberAt(res, "pull.big.reference.medianMs"), referenceName: "skopeo + umoci" });
  row(rows, { benchmark: "runtime", metric: `agent CPU, ${numberAt(res, "footprint.pods") ?? "?"} idle pods`, unit: "% of a core", value: numberAt(res, "footprint.agentCpu.percentOfOneCore") });
  row(rows, { benchmark: "runtime", metric: "agent RSS", unit: "MiB", value: numberAt(res, "footprint.agentRssMiB.mean") });
  return rows;
}

function runtimeIdle(res: Obj): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const pods = numberAt(res, "footprint.idlePods") ?? "?";
  row(rows, { benchmark: "runtime-idle", metric: `agent CPU, ${pods} idle pods`, unit: "% of a core", value: numberAt(res, "footprint.idleCpuPercent") });
  row(rows, { benchmark: "runtime-idle", metric: `agent + its children's CPU, ${pods} idle pods`, unit: "% of a core", value: numberAt(res, "footprint.idleCpuPercentWithChildren") });
  return rows;
}

function network(res: Obj): SummaryRow[] {
  const rows: SummaryRow[] = [];
  row(rows, { benchmark: "network", metric: "ClusterIP requests/s", unit: "req/s", value: numberAt(res, "throughput.clusterIPRequestsPerSecond"), reference: numberAt(res, "throughput.podIPRequestsPerSecond"), referenceName: "pod IP" });
  row(rows, { benchmark: "network", metric: "endpoint change → live p50", unit: "ms", value: numberAt(res, "proxy.endpointChange.catalogToLiveMs.p50") });
  row(rows, { benchmark: "network", metric: "pod start p50", unit: "ms", value: numberAt(res, "podStart.oursMs.p50"), reference: numberAt(res, "podStart.rawMs.total.p50"), referenceName: "netns + CNI + runc by hand" });
  return rows;
}

function failover(res: Obj): SummaryRow[] {
  const rows: SummaryRow[] = [];
  row(rows, { benchmark: "failover", metric: "takeover p50", unit: "s", value: numberAt(res, "takeoverSeconds.p50") });
  row(rows, { benchmark: "failover", metric: "takeover max", unit: "s", value: numberAt(res, "takeoverSeconds.max") });
  row(rows, { benchmark: "failover", metric: "acknowledged writes lost", unit: "writes", value: numberAt(res, "lostWrites") });
  return rows;
}

const SUMMARIES: Record<string, (res: Obj) => SummaryRow[]> = { scheduler, api, runtime, "runtime-idle": runtimeIdle, network, failover };

export function summarize(benchmark: string, result: Obj): SummaryRow[] {
  return SUMMARIES[benchmark]?.(result) ?? [];
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));

/** A plain-text table: benchmark, metric, value, reference, ratio. */
export function formatTable(rows: readonly SummaryRow[]): string {
  const header = ["benchmark", "metric", "value", "reference", "ratio"];
  const lines = rows.map((r) => [
    r.benchmark,
    r.metric,
    `${fmt(r.value)} ${r.unit}`,
    r.reference === undefined ? "" : `${fmt(r.reference)} (${r.referenceName})`,
    r.reference === undefined || r.reference === 0 ? "" : `${(r.value / r.reference).toFixed(3)}×`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...lines.map(line)].join("\n") + "\n";
}
