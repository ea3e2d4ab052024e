// The service proxy: keeps the `ip gantry` table equal to the node's ServiceCatalog.
//
//   catalog change ─► dirty services ─(coalesce 20 ms)─► partial sync ─► nft -f (one transaction)
//   full ServiceUpdate, NodeConfig or node address change, every 60 s, after a failure ─► full sync
//   first sync of this process ─► replace (the table is deleted and rebuilt in one transaction)
//
// Nothing is written before the catalog's first full set: a restarted agent keeps its
// predecessor's rules (and the node keeps serving) until it knows every Service again. One
// sync runs at a time; changes that arrive meanwhile are merged into the next one. A failed
// transaction changes nothing in the kernel (nft -f is atomic); it is logged with the line
// nft refused and retried as a full sync with back-off. Nothing here throws into the agent.

import type { CommandRunner } from "../host-commands";
import type { ServiceCatalog, CatalogChange } from "../services/catalog";
import { Conntrack, staleFlows } from "./conntrack";
import { nodeAddresses } from "./node-addresses";
import { Nft } from "./nft";
import { deleteChainsScript, planFull, planPartial, type ProgrammedState, type SyncPlan } from "./plan";
import { buildServiceRules } from "./service-rules";
import type { ProxyFacts, ServiceRules, UdpTarget } from "./types";

export interface ProxyLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The parts of NodeConfig the proxy uses. */
export interface NodeRanges {
  podCIDRs: string[];
  clusterCIDRs: string[];
  serviceCIDRs: string[];
}

export interface SyncReport {
  kind: SyncPlan["kind"];
  /** Services rewritten (all of them for replace/full). */
  services: number;
  startedAt: number;
  finishedAt: number;
  /** Time nft took for the transaction. */
  nftMs: number;
  scriptBytes: number;
}

export interface ServiceProxyOptions {
  catalog: ServiceCatalog;
  nodeName: string;
  /** The node's InternalIP; NodePorts answer on it and on every other node address. */
  nodeIP?: string;
  masqueradeOutside: boolean;
  /** Where nft, conntrack, ip and sysctl run (hostCommands()). */
  exec: CommandRunner;
  log: ProxyLogger;
  /** How long a first change waits for more before syncing. Default 20 ms. */
  coalesceMs?: number;
  /** Period of full syncs. Default 60 s, stretched to 30 times the last full sync's duration
   *  so repairs never take more than ~3% of a core (6 s for 10,000 endpoints → every 3 min). */
  fullSyncIntervalMs?: number;
  /** Longest wait before retrying a failed sync. Default 30 s. */
  maxRetryMs?: number;
  /** Told after every successful sync (benchmarks, tests). */
  onSynced?: (report: SyncReport) => void;
}

const STALE_CHAIN_DELAY_MS = 1100;

export class ServiceProxy {
  private readonly nft: Nft;
  private readonly conntrack: Conntrack;
  private state: ProgrammedState | undefined;
  private ranges: NodeRanges = { podCIDRs: [], clusterCIDRs: [], serviceCIDRs: [] };
  private facts: ProxyFacts | undefined;
  private readonly dirty = new Set<string>();
  private needFull = true;
  private readonly staleChains = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private periodic: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private retryMs = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly warned = new Set<string>();
  /** The last sync's error, cleared by a successful one. */
  lastError: Error | undefined;

  constructor(private readonly opts: ServiceProxyOptions) {
    this.nft = new Nft(opts.exec);
    this.conntrack = new Conntrack(opts.exec);
  }

  start(): void {
    this.unsubscribe = this.opts.catalog.subscribe((c) => this.onCatalog(c));
    this.schedulePeriodicFull(0);
    this.schedule(0);
  }

  /** Leaves the table as it is: pods keep reaching Services while the agent restarts. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    clearTimeout(this.periodic);
    await this.loop;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private schedulePeriodicFull(lastFullMs: number): void {
    clearTimeout(this.periodic);
    if (this.stopped) return;
    this.periodic = setTimeout(() => {
      this.needFull = true;
      this.schedule(0);
    }, Math.max(this.opts.fullSyncIntervalMs ?? 60_000, 30 * lastFullMs));
    this.periodic.unref();
  }

  setNodeRanges(ranges: NodeRanges): void {
    if (JSON.stringify(ranges) === JSON.stringify(this.ranges)) return;
    this.ranges = { podCIDRs: [...ranges.podCIDRs], clusterCIDRs: [...ranges.clusterCIDRs], serviceCIDRs: [...ranges.serviceCIDRs] };
    this.needFull = true;
    this.schedule(this.opts.coalesceMs ?? 20);
  }

  /** Resolves once no sync is pending or running: every change so far is in the kernel, or
   *  the last attempt failed (see lastError) and waits for its retry. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.wakeIdle();
    });
  }

  private onCatalog(c: CatalogChange): void {
    if (c.full) this.needFull = true;
    for (const k of c.changed) this.dirty.add(k);
    for (const k of c.removed) this.dirty.add(k);
    this.schedule(this.opts.coalesceMs ?? 20);
  }

  private pendingSync(): boolean {
    return this.opts.catalog.isSynced() && (this.needFull || this.dirty.size > 0);
  }

  private staleDue(now: number): string[] {
    return [...this.staleChains].filter(([, at]) => now - at >= STALE_CHAIN_DELAY_MS).map(([n]) => n);
  }

  private schedule(delayMs: number): void {
    if (!this.stopped && this.timer === undefined && this.loop === undefined) {
      let wait: number | undefined;
      if (this.pendingSync()) wait = delayMs;
      else if (this.staleChains.size > 0) wait = Math.max(0, Math.min(...this.staleChains.values()) + STALE_CHAIN_DELAY_MS - Date.now());
      if (wait !== undefined) this.timer = setTimeout(() => this.run(), wait);
    }
    this.wakeIdle();
  }

  private run(): void {
    this.timer = undefined;
    this.loop = this.runLoop().finally(() => {
      this.loop = undefined;
      this.schedule(this.retryMs > 0 ? this.retryMs : 0);
    });
  }

  private wakeIdle(): void {
    if (this.loop !== undefined || (this.pendingSync() && this.retryMs === 0 && !this.stopped)) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private async runLoop(): Promise<void> {
    try {
      while (!this.stopped) {
        if (this.pendingSync()) {
          await this.sync();
          if (this.retryMs > 0) return;
          continue;
        }
        const due = this.staleDue(Date.now());
        if (due.length === 0) return;
        await this.deleteStaleChains(due);
      }
    } catch (err) {
      // sync() handles its own failures; this is a bug guard so the agent never sees a rejection.
      this.opts.log.error({ err }, "service proxy loop failed");
      this.needFull = true;
      this.retryMs = this.nextRetry();
    }
  }

  private nextRetry(): number {
    return Math.min(this.opts.maxRetryMs ?? 30_000, this.retryMs === 0 ? 1000 : this.retryMs * 2);
  }

  private async currentFacts(): Promise<ProxyFacts> {
    let addresses: string[];
    try {
      addresses = await nodeAddresses(this.opts.exec);
    } catch (err) {
      this.opts.log.warn({ err }, "listing the node's addresses failed; NodePorts answer on the node IP and 127.0.0.1 only");
      addresses = ["127.0.0.1"];
    }
    if (this.opts.nodeIP && !addresses.includes(this.opts.nodeIP)) addresses.push(this.opts.nodeIP);
    return { nodeName: this.opts.nodeName, nodePortAddresses: addresses.sort(), ...this.ranges, masqueradeOutside: this.opts.masqueradeOutside };
  }

  private build(key: string, facts: ProxyFacts): ServiceRules | undefined {
    const [ns, name] = splitKey(key);
    const svc = this.opts.catalog.get(ns, name);
    if (!svc) return undefined;
    const rules = buildServiceRules(svc, facts);
    for (const w of rules.warnings) {
      if (!this.warned.has(w)) this.opts.log.warn({ service: key }, w);
      this.warned.add(w);
    }
    return rules;
  }

  private async sync(): Promise<void> {
    const startedAt = Date.now();
    const full = this.needFull || this.state === undefined || this.facts === undefined;
    let plan: SyncPlan;
    let keys: string[];
    if (full) {
      this.needFull = false;
      this.dirty.clear();
      const facts = await this.currentFacts();
      if (this.state === undefined) await this.enableLocalhostNodePorts();
      this.facts = facts;
      const services = new Map<string, ServiceRules>();
      for (const s of this.opts.catalog.list()) {
        const r = this.build(`${s.namespace}/${s.name}`, facts);
        if (r) services.set(r.key, r);
      }
      keys = [...services.keys()];
      plan = planFull(this.state, facts, services, false);
    } else {
      keys = [...this.dirty];
      this.dirty.clear();
      plan = planPartial(this.state!, new Map(keys.map((k) => [k, this.build(k, this.facts!)])));
    }
    const before = this.state;
    const t0 = Date.now();
    try {
      await this.nft.apply(plan.script);
    } catch (err) {
      this.lastError = err as Error;
      this.needFull = true;
      this.retryMs = this.nextRetry();
      this.opts.log.error({ err, kind: plan.kind, retryInMs: this.retryMs }, "programming the service proxy rules failed");
      return;
    }
    const nftMs = Date.now() - t0;
    this.lastError = undefined;
    this.retryMs = 0;
    this.state = plan.commit();
    if (plan.kind === "replace") this.staleChains.clear();
    for (const c of plan.writtenChains) this.staleChains.delete(c);
    for (const c of plan.staleChains) this.staleChains.set(c, Date.now());
    const report: SyncReport = { kind: plan.kind, services: keys.length, startedAt, finishedAt: Date.now(), nftMs, scriptBytes: plan.script.length };
    if (plan.kind !== "partial") {
      this.opts.log.info({ ...report }, "service proxy rules programmed");
      this.schedulePeriodicFull(report.finishedAt - startedAt);
    }
    this.opts.onSynced?.(report);
    await this.cleanConntrack(before, keys, plan.kind !== "partial");
  }

  /** NodePorts on 127.0.0.1: a DNATed packet keeps its 127.0.0.1 source until masquerading,
   *  which Linux only routes off the loopback device with route_localnet (kube-proxy sets it
   *  for the same reason; filter-prerouting drops what this would let in from outside). */
  private async enableLocalhostNodePorts(): Promise<void> {
    try {
      await this.opts.exec(["sysctl", "-q", "-w", "net.ipv4.conf.all.route_localnet=1"]);
    } catch (err) {
      this.opts.log.warn({ err }, "setting net.ipv4.conf.all.route_localnet=1 failed; NodePorts will not answer on 127.0.0.1");
    }
  }

  private async cleanConntrack(before: ProgrammedState | undefined, keys: string[], full: boolean): Promise<void> {
    const now = this.state!;
    const touched = full ? [...now.services.keys()] : keys;
    const hadUdp = (r: ServiceRules | undefined) => (r?.udp.length ?? 0) > 0;
    if (!touched.some((k) => hadUdp(before?.services.get(k)) || hadUdp(now.services.get(k)))) return;
    const targets: UdpTarget[] = [...now.services.values()].flatMap((r) => r.udp);
    const gone = keys.flatMap((k) => (now.services.has(k) ? [] : (before?.services.get(k)?.udp ?? []).flatMap((t) => t.serviceIPs)));
    try {
      const filters = staleFlows(await this.conntrack.listUdp(), targets, this.facts?.nodePortAddresses ?? [], gone);
      if (filters.length > 0) await this.conntrack.delete(filters);
    } catch (err) {
      this.opts.log.warn({ err }, "deleting stale UDP conntrack entries failed");
    }
  }

  private async deleteStaleChains(due: string[]): Promise<void> {
    try {
      await this.nft.apply(deleteChainsScript(due));
      for (const c of due) this.staleChains.delete(c);
    } catch (err) {
      // Left for the next try; a replace sync removes them with the table.
      this.opts.log.warn({ err, chains: due.length }, "deleting unused service chains failed");
      for (const c of due) this.staleChains.set(c, Date.now());
    }
  }
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}
