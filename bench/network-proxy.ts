// The service proxy's part of bench/results/network.json (keys "proxy" and "throughput"; other
// network benchmarks add their own keys to the same file):
//
// proxy:      1,000 Services × 10 endpoints programmed by a ServiceProxy in a namespace of its
//             own. 100 endpoint changes (an endpoint turning unready): time from the catalog
//             change to the transaction having committed (p50/p99), each verified afterwards
//             by listing the service's chain; full resync time; and the reference: `nft -f` of
//             the same full ruleset and of one partial transaction, run by hand.
// throughput: HTTP requests/s (new connection per request, what DNAT costs) from one pod
//             namespace to another through the ClusterIP vs the pod IP, with wrk; the ratio is
//             the proxy's overhead.

import os from "node:os";
import { performance } from "node:perf_hooks";
import { hostCommands } from "../netns/host-commands";
import { Nft } from "../netns/proxy/nft";
import { planFull, planPartial } from "../netns/proxy/plan";
import { ServiceProxy, type SyncReport } from "../netns/proxy/proxy";
import { buildServiceRules } from "../netns/proxy/service-rules";
import { servicePortChains, endpointNames } from "../netns/proxy/names";
import { endpoint, service } from "../netns/proxy/testing/fixtures";
import { ServiceCatalog, type ServiceInfo } from "../netns/services/catalog";
import { createTestNet } from "../test/helpers/netns-hosts";
import { createPodLab, HTTP_PORT, POD_CIDR } from "../test/helpers/pod-lab";
import { percentile, round } from "./stats";

const SERVICES = Number(process.env.BENCH_PROXY_SERVICES ?? 1000);
const ENDPOINTS = 10;
const CHANGES = Number(process.env.BENCH_PROXY_CHANGES ?? 100);
const WRK_SECONDS = Number(process.env.BENCH_WRK_SECONDS ?? 5);
const WRK_ROUNDS = Number(process.env.BENCH_WRK_ROUNDS ?? 4);
/** Which parts to run: "proxy,throughput" (default) or one of them. */
const PARTS = (process.env.BENCH_NETWORK_PARTS ?? "proxy,throughput").split(",");

const quiet = { info: () => undefined, warn: () => undefined, error: (o: object, m: string) => console.error(m, (o as { err?: unknown }).err) };

function svc(i: number, unready = -1): ServiceInfo {
  const endpoints = Array.from({ length: ENDPOINTS }, (_, e) =>
    endpoint(`10.244.${i % 250}.${e + 2 + ((i >> 8) & 7) * 20}`, 8080, { ready: e !== unready, serving: e !== unready, nodeName: e % 3 === 0 ? "bench" : "other", podName: `p${e}` }),
  );
  return service(`svc-${i}`, `10.96.${(i >> 8) & 255}.${i & 255}`, endpoints, { namespace: `ns${i % 50}` });
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: round(percentile(s, 50), 1), p99: round(percentile(s, 99), 1), max: round(s[s.length - 1], 1) };
};

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function benchProxy(): Promise<Record<string, unknown>> {
  const net = await createTestNet(["node"]);
  try {
    const exec = hostCommands(`/run/netns/${net.host("node").netns}`);
    const nft = new Nft(exec);
    const facts = { nodeName: "bench", nodePortAddresses: ["127.0.0.1", net.host("node").address], podCIDRs: ["10.244.0.0/24"], clusterCIDRs: ["10.244.0.0/16"], serviceCIDRs: ["10.96.0.0/12"], masqueradeOutside: true };
    const services = Array.from({ length: SERVICES }, (_, i) => svc(i));

    // Reference: the same full ruleset with nft -f by hand (replace, then as a full resync).
    const rules = new Map(services.map((s) => [`${s.namespace}/${s.name}`, buildServiceRules(s, facts)]));
    const replace = planFull(undefined, facts, rules, false);
    const handReplaceMs = await timed(() => nft.apply(replace.script));
    const state = replace.commit();
    const handFull = planFull(state, facts, rules, false);
    const handFullMs = await timed(() => nft.apply(handFull.script));
    const onePartial = planPartial(handFull.commit(), new Map([["ns7/svc-7", buildServiceRules(svc(7, 3), facts)]]));
    const handPartialMs: number[] = [];
    for (let i = 0; i < 10; i++) handPartialMs.push(await timed(() => nft.apply(onePartial.script)));
    await nft.deleteTable();

    // The proxy: replace, full resyncs, then endpoint changes one at a time.
    const catalog = new ServiceCatalog();
    const reports: SyncReport[] = [];
    const proxy = new ServiceProxy({ catalog, nodeName: "bench", nodeIP: net.host("node").address, masqueradeOutside: true, exec, log: quiet, onSynced: (r) => reports.push(r), fullSyncIntervalMs: 3_600_000 });
    proxy.setNodeRanges({ podCIDRs: facts.podCIDRs, clusterCIDRs: facts.clusterCIDRs, serviceCIDRs: facts.serviceCIDRs });
    proxy.start();
    const replaceMs = await timed(async () => {
      catalog.apply({ full: true, upsert: services, remove: [] });
      await proxy.idle();
    });
    const fullMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      fullMs.push(
        await timed(async () => {
          catalog.apply({ full: true, upsert: services, remove: [] });
          await proxy.idle();
        }),
      );
    }
    const latency: number[] = [];
    const nftMs: number[] = [];
    let verified = 0;
    for (let c = 0; c < CHANGES; c++) {
      const i = (c * 37) % SERVICES;
      const unready = c % ENDPOINTS;
      const t0 = performance.now();
      catalog.apply({ full: false, upsert: [svc(i, unready)], remove: [] });
      await proxy.idle();
      latency.push(performance.now() - t0);
      if (proxy.lastError) throw proxy.lastError;
      nftMs.push(reports[reports.length - 1].nftMs);
      // Live: the service chain no longer names the unready endpoint's chain.
      const s = svc(i);
      const port = { namespace: s.namespace, name: s.name, protocol: "tcp", port: "http" };
      const chain = await nft.list("chain", servicePortChains(port).cluster);
      if (!chain.includes(endpointNames(port, s.endpoints[unready].addresses[0], 8080).chain) && chain.includes("numgen random mod 9")) verified++;
      // Back to all ready for the next round (not measured).
      catalog.apply({ full: false, upsert: [svc(i)], remove: [] });
      await proxy.idle();
    }
    await proxy.stop();
    const chains = (await nft.list("table")).split("\n").filter((l) => l.trim().startsWith("chain ")).length;
    await nft.deleteTable();
    return {
      services: SERVICES,
      endpointsPerService: ENDPOINTS,
      chains,
      endpointChange: { changes: CHANGES, verifiedLive: verified, catalogToLiveMs: stats(latency), nftTransactionMs: stats(nftMs), handNftPartialMs: stats(handPartialMs) },
      fullSync: { proxyReplaceMs: round(replaceMs), proxyFullResyncMs: stats(fullMs), handNftReplaceMs: round(handReplaceMs), handNftFullResyncMs: round(handFullMs), scriptBytes: replace.script.length },
    };
  } finally {
    await net.destroy();
  }
}

async function wrk(host: { exec: (c: string, a: string[], o?: { timeoutMs?: number }) => Promise<{ code: number; stdout: string; stderr: string }> }, url: string): Promise<number> {
  const r = await host.exec("wrk", ["-t1", "-c8", `-d${WRK_SECONDS}s`, url], { timeoutMs: (WRK_SECONDS + 30) * 1000 });
  const m = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
  if (r.code !== 0 || !m) throw new Error(`wrk ${url} failed: ${r.stderr}${r.stdout}`);
  return Number(m[1]);
}

async function benchThroughput(): Promise<Record<string, unknown>> {
  const lab = await createPodLab(2);
  const catalog = new ServiceCatalog();
  const proxy = new ServiceProxy({ catalog, nodeName: "node", nodeIP: lab.node.address, masqueradeOutside: true, exec: hostCommands(lab.nodePath), log: quiet });
  try {
    proxy.setNodeRanges({ podCIDRs: [POD_CIDR], clusterCIDRs: ["10.244.0.0/16"], serviceCIDRs: ["10.96.0.0/12"] });
    proxy.start();
    const server = lab.pod("p1");
    const s = svc(0);
    s.clusterIPs = ["10.96.200.1"];
    s.endpoints = [{ ...s.endpoints[0], addresses: [server.ip], ports: [{ name: "http", protocol: "TCP", port: HTTP_PORT }] }];
    catalog.apply({ full: true, upsert: [s], remove: [] });
    await proxy.idle();
    if (proxy.lastError) throw proxy.lastError;
    const client = lab.pod("p2").host;
    const direct: number[] = [];
    const viaService: number[] = [];
    // Back-to-back pairs, so load from other work on the machine hits both alike; the ratio
    // is the median of the pairs' ratios.
    for (let i = 0; i < WRK_ROUNDS; i++) {
      direct.push(await wrk(client, `http://${server.ip}:${HTTP_PORT}/`));
      viaService.push(await wrk(client, "http://10.96.200.1/"));
    }
    const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
    return {
      tool: `wrk -t1 -c8 -d${WRK_SECONDS}s, ${WRK_ROUNDS} pairs; lab-server.js (Node http, Connection: close: one TCP connection, so one DNAT, per request)`,
      podIPRequestsPerSecond: round(median(direct)),
      clusterIPRequestsPerSecond: round(median(viaService)),
      clusterIPOverPodIP: round(median(viaService.map((v, i) => v / direct[i])), 3),
      runs: { podIP: direct.map((x) => round(x)), clusterIP: viaService.map((x) => round(x)) },
    };
  } finally {
    await proxy.stop();
    await lab.destroy();
  }
}

export async function benchNetworkProxy(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  if (PARTS.includes("proxy")) out.proxy = { ...(await benchProxy()), loadAverage: os.loadavg().map((x) => round(x, 2)) };
  if (PARTS.includes("throughput")) out.throughput = { ...(await benchThroughput()), loadAverage: os.loadavg().map((x) => round(x, 2)) };
  return { ...out, machine: { cpus: os.cpus().length, node: process.version } };
}
