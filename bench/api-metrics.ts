// What the apiserver's request metrics cost per request, measured in-process: the record made
// when a request arrives, the router naming its resource, and the count and duration written
// when the response closes (master/metrics/request-metrics.ts), for a create of a ConfigMap as
// the api benchmark sends them. Next to it, the master's CPU per create from the last api
// benchmark run (bench/results/api.json), to see the share.

import { EventEmitter } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import os from "node:os";
import path from "node:path";
import { findResource } from "../api/resources";
import { MasterMetrics } from "../master/metrics/master-metrics";
import { round } from "./stats";

const REQUESTS = Number(process.env.BENCH_API_METRICS_REQUESTS ?? 300_000);

export async function benchApiMetrics(): Promise<Record<string, unknown>> {
  const metrics = new MasterMetrics();
  const configmaps = findResource("", "v1", "configmaps")!;
  const query = new URLSearchParams("");
  const target = { resource: configmaps, namespace: "bench", watchPath: false };
  const res = Object.assign(new EventEmitter(), { statusCode: 201 }) as unknown as ServerResponse;
  const one = () => {
    const record = metrics.requests.begin("POST", res);
    record.resource(target, query, "application/json");
    res.emit("close");
  };
  for (let i = 0; i < 50_000; i++) one(); // warm-up: compiled, label children created
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < REQUESTS; i++) one();
    rounds.push(Number(process.hrtime.bigint() - start) / REQUESTS / 1000);
  }
  const perRequestUs = Math.min(...rounds);
  const api = path.resolve(__dirname, "../../bench/results/api.json");
  let masterCpuPerCreateUs: number | undefined;
  if (existsSync(api)) {
    const last = JSON.parse(readFileSync(api, "utf8")) as { objects: number; create: { cpuSeconds: { master: number } } };
    masterCpuPerCreateUs = (last.create.cpuSeconds.master / last.objects) * 1e6;
  }
  // Scraping: what one GET /metrics costs to render with the series the loop made.
  const scrapeStart = process.hrtime.bigint();
  const text = (await metrics.expose()).text;
  const scrapeMs = Number(process.hrtime.bigint() - scrapeStart) / 1e6;
  return {
    benchmark: "api-metrics",
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version },
    requests: REQUESTS,
    perRequestMicroseconds: { best: round(perRequestUs, 2), rounds: rounds.map((x) => round(x, 2)) },
    ...(masterCpuPerCreateUs !== undefined ? { masterCpuPerCreateMicroseconds: round(masterCpuPerCreateUs), shareOfCreateCpu: round(perRequestUs / masterCpuPerCreateUs, 4) } : {}),
    scrape: { ms: round(scrapeMs, 2), bytes: Buffer.byteLength(text) },
  };
}
