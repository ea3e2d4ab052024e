// The scheduler as a leader component: informers feed the cache and the queue; a loop takes pods
// off the queue and runs scheduleOne, the whole pipeline in one function; bindings are written
// in batches; pods that fit nowhere are told why (condition + event) and parked until the
// cluster changes. Everything is rebuilt on start, so a new leader starts from etcd's truth.
//
// The node and pod informers are the master's shared ones (master/cache/shared-informers.ts),
// leased with replay: whether or not the controllers already run them, the scheduler sees every
// cached node, then every cached pod, once as an add before anything else. Their objects are
// shared with every other lessee, so nothing here may mutate them (bindings and conditions are
// built as new objects).

import { performance } from "node:perf_hooks";
import type { KubeObject } from "../../api/object";
import { findResource, storageKey, type ResourceType } from "../../api/resources";
import { ResourceClient } from "../apiserver/internal-client";
import { acquireInformer, releaseAll, type InformerHandlers, type InformerLease } from "../cache/shared-informers";
import type { ComponentDeps, LeaderComponent } from "../component";
import { EventRecorder } from "../controllers/events";
import { EtcdStore } from "../store/etcd-store";
import { BatchBinder, type BinderStats } from "./binder";
import { EtcdBindWriter, StoreBindWriter, type BindOutcome, type BindRequest, type BindWriter } from "./bind-writer";
import { assignedNode, isTerminal, SchedulerCache } from "./cache";
import { Snapshot } from "./snapshot";
import { unschedulableMessage } from "./diagnosis";
import { filterNodes, scoreNodes, selectHost } from "./pipeline";
import { newPodInfo, podKey, podSpec } from "./pod-info";
import { defaultFilters, podDependentFilters, scorersFor } from "./plugins";
import { LatencyRecorder, type LatencySummary } from "./latency";
import { SchedulingQueue, type QueuedPod, type QueueState } from "./queue";
import { StatusWriter } from "./status-writer";
import { EventAggregator, type EventType } from "./event-aggregator";
import { AggregateEventWriter } from "./aggregate-event-writer";
import { DEFAULT_OPTIONS, type FilterPlugin, type SchedulerOptions, type ScorePlugin } from "./types";

const PODS = findResource("", "v1", "pods")!;
const NODES = findResource("", "v1", "nodes")!;
/** How often back-offs and the unschedulable timeout are checked. */
const TICK_MS = 200;

export interface SchedulerMetrics {
  /** Scheduling cycles run (one per pod popped). */
  attempts: number;
  /** Pods whose binding was written. */
  scheduled: number;
  /** Cycles that found no feasible node. */
  unschedulable: number;
  /** Cycles aborted by a plugin error, and bindings that failed to write. */
  errors: number;
  /** Bindings refused or moot (pod bound elsewhere, deleted, terminating). */
  bindRejected: number;
  /** Events written one by one. */
  eventsWritten: number;
  /** Events folded into an aggregate Event (counted there, not dropped). */
  eventsAggregated: number;
  /** From the informer first reporting a pending pod to its binding being acknowledged, in ms. */
  latencyMs: LatencySummary;
  binder: BinderStats;
  queue: Record<QueueState, number>;
}

/** Everything one leadership term owns; discarded on stop. */
interface Run {
  stopped: boolean;
  /** The node and pod informer leases, released on stop. */
  leases: InformerLease[];
  cache: SchedulerCache;
  snapshot: Snapshot;
  queue: SchedulingQueue;
  binder: BatchBinder;
  status: StatusWriter;
  events: EventRecorder;
  aggregator: EventAggregator;
  aggregates: AggregateEventWriter;
  tick?: NodeJS.Timeout;
  aggregateTick?: NodeJS.Timeout;
  burstScheduled: boolean;
}

export class Scheduler implements LeaderComponent {
  readonly name = "scheduler";
  readonly options: SchedulerOptions;
  private readonly filters: FilterPlugin[] = defaultFilters();
  /** What runs on the equivalence cache's eligible nodes (they passed the node-only filters). */
  private readonly podFilters: FilterPlugin[] = podDependentFilters();
  private readonly scorers: ScorePlugin[];
  private run?: Run;
  private counters = { attempts: 0, scheduled: 0, unschedulable: 0, errors: 0, bindRejected: 0, eventsWritten: 0, eventsAggregated: 0 };
  private lastBinderStats: BinderStats = { batches: 0, binds: 0, largestBatch: 0 };
  private readonly latency = new LatencyRecorder();

  constructor(
    private readonly deps: ComponentDeps,
    options: Partial<SchedulerOptions> = {},
    /** Tests may force the per-pod writer; by default an etcd store gets batched transactions. */
    private readonly makeWriter?: (deps: ComponentDeps) => BindWriter,
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
    if (this.options.bindBatchSize < 1 || this.options.bindBatchSize > 128) throw new Error(`bindBatchSize must be 1..128 (etcd's --max-txn-ops), not ${this.options.bindBatchSize}`);
    this.scorers = scorersFor(this.options.scoring);
  }

  async start(): Promise<void> {
    if (this.run && !this.run.stopped) return;
    const { ctx, log } = this.deps;
    const o = this.options;
    const clock = () => performance.now();
    const writer = this.makeWriter?.(this.deps) ?? (ctx.store instanceof EtcdStore ? new EtcdBindWriter(ctx.store.client, () => ctx.clock.now()) : new StoreBindWriter(ctx.store, () => ctx.clock.now()));
    const onInformerError = (what: string) => (err: unknown) => log.warn({ err }, `scheduler: ${what} watch ended; relisting`);
    const run: Run = {
      stopped: false,
      leases: [],
      cache: new SchedulerCache(),
      snapshot: new Snapshot(),
      queue: new SchedulingQueue(o, clock),
      binder: new BatchBinder(writer, { batchSize: o.bindBatchSize, flushMs: o.bindFlushMs, concurrency: o.bindConcurrency }, (r, out) => this.onBound(run, r, out)),
      status: new StatusWriter(new ResourceClient(ctx, PODS), () => ctx.clock.now(), (err, pod) => log.warn({ err, pod }, "scheduler: could not write PodScheduled condition")),
      events: new EventRecorder(ctx, o.schedulerName, (err) => log.debug({ err }, "scheduler: event not written")),
      aggregator: new EventAggregator({ maxIndividual: o.eventsBeforeAggregation, windowMs: o.eventAggregationWindowMs }, clock),
      aggregates: new AggregateEventWriter(ctx, o.schedulerName, (err) => log.debug({ err }, "scheduler: aggregate event not written")),
      burstScheduled: false,
    };
    this.run = run;
    // Nodes first, as before sharing: every node is in the cache before the first pod arrives.
    const nodeHandlers: InformerHandlers = {
      add: (n) => this.onNode(run, undefined, n),
      update: (old, n) => this.onNode(run, old, n),
      delete: (n) => run.cache.removeNode(n.metadata.name ?? ""),
    };
    const podHandlers: InformerHandlers = {
      add: (p) => this.onPod(run, undefined, p),
      update: (old, p) => this.onPod(run, old, p),
      delete: (p) => this.onPodDeleted(run, p),
    };
    if (!(await this.lease(run, NODES, nodeHandlers, onInformerError("node")))) return; // stopped meanwhile
    if (!(await this.lease(run, PODS, podHandlers, onInformerError("pod")))) return;
    run.tick = setInterval(() => {
      run.queue.flush();
      if (run.queue.activeLength() > 0) this.kick(run);
    }, TICK_MS);
    run.aggregateTick = setInterval(() => this.flushAggregates(run), o.eventAggregateFlushMs);
    this.kick(run);
    log.info({ scoring: o.scoring, nodes: run.cache.nodeCount() }, "scheduler started");
  }

  async stop(): Promise<void> {
    const run = this.run;
    if (!run || run.stopped) return;
    run.stopped = true;
    clearInterval(run.tick);
    clearInterval(run.aggregateTick);
    this.lastBinderStats = { ...run.binder.stats };
    await releaseAll(run.leases.splice(0));
    await run.binder.stop();
    await run.status.stop();
    this.flushAggregates(run, true);
    await run.aggregates.settle();
  }

  metrics(): SchedulerMetrics {
    const run = this.run;
    return {
      ...this.counters,
      latencyMs: this.latency.summary(),
      binder: run ? { ...run.binder.stats } : { ...this.lastBinderStats },
      queue: run ? run.queue.counts() : { active: 0, backoff: 0, unschedulable: 0, "in-flight": 0 },
    };
  }

  /** A replaying lease on a shared informer for `run`; false (and released) if the run stopped meanwhile. */
  private async lease(run: Run, resource: ResourceType, handlers: InformerHandlers, onError: (err: unknown) => void): Promise<boolean> {
    const lease = await acquireInformer(this.deps.ctx, resource, handlers, { onError, replay: true });
    if (run.stopped) {
      await lease.release();
      return false;
    }
    run.leases.push(lease);
    return true;
  }

  /**
   * One scheduling cycle for one pod — the whole pipeline, in order:
   * snapshot → filter every node → score the feasible ones → pick the best → assume → bind.
   */
  private scheduleOne(run: Run, entry: QueuedPod): void {
    const pod = newPodInfo(entry.pod);
    this.counters.attempts++;

    // 1. Snapshot: the cluster as this cycle sees it, every earlier assumption included.
    run.cache.updateSnapshot(run.snapshot);
    const nodes = run.snapshot.nodes;

    // 2. Filter: the nodes the pod's equivalence class passes the node-only filters on (cached),
    //    one per group of nodes in the same state, through the pod-dependent filters (Snapshot.placementFor).
    const { candidates, standsFor } = run.snapshot.placementFor(pod);
    const filtered = filterNodes(pod, candidates, this.podFilters);
    if (filtered.error) return this.failed(run, entry, `plugin ${filtered.error.plugin} failed on node ${filtered.error.node}: ${filtered.error.message}`);
    if (filtered.feasible.length === 0) {
      // Why, node by node: the record the user reads in the condition and the event.
      const { rejected } = filterNodes(pod, nodes, this.filters);
      return this.unschedulable(run, entry, unschedulableMessage(pod, rejected, nodes.length, this.filters));
    }

    // 3. Score the feasible nodes, 4. pick the best (ties: deterministic rotation by pod name).
    const scores = scoreNodes(pod, filtered.feasible, this.scorers);
    const best = selectHost(pod, filtered.feasible, scores, standsFor)!;

    // 5. Assume: count the pod on its node now, so the next cycle sees it before etcd does.
    run.cache.assume(pod, best.name);

    // 6. Bind: into the next batched etcd transaction; onBound confirms or takes it back.
    run.binder.add({ storageKey: storageKey(PODS, entry.pod.metadata.namespace, entry.pod.metadata.name ?? ""), pod: entry.pod, nodeName: best.name, queuedAt: entry.firstQueuedAt });
  }

  private unschedulable(run: Run, entry: QueuedPod, message: string): void {
    this.counters.unschedulable++;
    run.queue.parkUnschedulable(entry);
    this.event(run, entry.pod, "Warning", "FailedScheduling", message);
    run.status.set(entry.pod, { type: "PodScheduled", status: "False", reason: "Unschedulable", message });
  }

  private failed(run: Run, entry: QueuedPod, message: string): void {
    this.counters.errors++;
    run.queue.backoff(entry);
    this.deps.log.warn({ pod: entry.key, message }, "scheduler: scheduling attempt failed; retrying with back-off");
    this.event(run, entry.pod, "Warning", "FailedScheduling", message);
    run.status.set(entry.pod, { type: "PodScheduled", status: "False", reason: "SchedulerError", message });
  }

  /** The outcome of one binding write. */
  private onBound(run: Run, request: BindRequest, outcome: BindOutcome): void {
    const key = podKey(request.pod);
    const uid = request.pod.metadata.uid;
    const entry = run.queue.get(key);
    const sameEntry = entry !== undefined && entry.pod.metadata.uid === uid;
    switch (outcome.kind) {
      case "bound": {
        this.counters.scheduled++;
        if (request.queuedAt !== undefined) this.latency.record(performance.now() - request.queuedAt);
        if (sameEntry) run.queue.done(key);
        const { namespace, name } = request.pod.metadata;
        this.event(run, outcome.pod, "Normal", "Scheduled", `Successfully assigned ${namespace}/${name} to ${request.nodeName}`);
        return;
      }
      case "gone":
      case "refused":
        // Deleted, terminating or bound by someone else: the informer reports what really happened.
        this.counters.bindRejected++;
        run.cache.forget(key, uid);
        if (sameEntry) run.queue.delete(key);
        break;
      case "error":
        this.counters.errors++;
        run.cache.forget(key, uid);
        if (sameEntry && entry.state === "in-flight") run.queue.backoff(entry);
        if (!run.stopped) {
          this.deps.log.warn({ err: outcome.error, pod: key, node: request.nodeName }, "scheduler: binding failed; retrying with back-off");
          this.event(run, request.pod, "Warning", "FailedScheduling", `Binding rejected: ${errorText(outcome.error)}`);
        }
        break;
    }
    // The assumption is gone, so its resources are free again.
    if (run.queue.moveAllUnschedulable() > 0) this.kick(run);
  }

  // --- informer events -------------------------------------------------------------------------

  private onNode(run: Run, old: KubeObject | undefined, node: KubeObject): void {
    run.cache.setNode(node);
    if (old && schedulingView(old) === schedulingView(node)) return; // e.g. a heartbeat
    if (run.queue.moveAllUnschedulable() > 0) this.kick(run);
  }

  private onPod(run: Run, old: KubeObject | undefined, pod: KubeObject): void {
    const key = podKey(pod);
    if (assignedNode(pod)) {
      const freed = old !== undefined && assignedNode(old) !== "" && isTerminal(pod) && !isTerminal(old);
      run.cache.observePod(pod);
      run.queue.delete(key);
      if (freed && run.queue.moveAllUnschedulable() > 0) this.kick(run);
      return;
    }
    if (!this.isPending(pod)) {
      run.queue.delete(key);
      return;
    }
    const entry = run.queue.get(key);
    if (entry && entry.pod.metadata.uid !== pod.metadata.uid) run.queue.delete(key); // recreated under the same name
    if (run.cache.isAssumed(key) && run.queue.has(key)) {
      run.queue.update(pod, false); // in flight: keep the newest version, do not queue it twice
      return;
    }
    const relevant = old === undefined || podSchedulingView(old) !== podSchedulingView(pod);
    run.queue.update(pod, relevant);
    this.kick(run);
  }

  private onPodDeleted(run: Run, pod: KubeObject): void {
    const key = podKey(pod);
    run.queue.delete(key);
    if (run.cache.nodeOf(key) === undefined) return;
    run.cache.removePod(key);
    if (run.queue.moveAllUnschedulable() > 0) this.kick(run);
  }

  /** Ours, unassigned, not terminating, not gated, not finished. */
  private isPending(pod: KubeObject): boolean {
    const spec = podSpec(pod);
    const schedulerName = typeof spec.schedulerName === "string" && spec.schedulerName !== "" ? spec.schedulerName : "default-scheduler";
    if (schedulerName !== this.options.schedulerName) return false;
    if (pod.metadata.deletionTimestamp || isTerminal(pod)) return false;
    return !(Array.isArray(spec.schedulingGates) && spec.schedulingGates.length > 0);
  }

  // --- the loop --------------------------------------------------------------------------------

  /** Runs a burst of cycles soon, unless one is already due. */
  private kick(run: Run): void {
    if (run.burstScheduled || run.stopped) return;
    run.burstScheduled = true;
    setImmediate(() => this.burst(run));
  }

  /** Schedules pods until the queue is empty or `burstMs` passed, then yields to I/O. */
  private burst(run: Run): void {
    run.burstScheduled = false;
    const deadline = performance.now() + this.options.burstMs;
    while (!run.stopped) {
      const entry = run.queue.pop();
      if (!entry) return;
      try {
        this.scheduleOne(run, entry);
      } catch (err) {
        this.failed(run, entry, errorText(err));
      }
      if (performance.now() >= deadline) return this.kick(run);
    }
  }

  /** An Event about a pod: written now, or folded into its aggregate (see EventAggregator). */
  private event(run: Run, pod: KubeObject, type: EventType, reason: string, message: string): void {
    if (run.stopped) return;
    const involved = { ...pod, apiVersion: pod.apiVersion ?? "v1", kind: pod.kind ?? "Pod" };
    const now = run.aggregator.add({ involved, type, reason, message });
    if (!now) {
      this.counters.eventsAggregated++;
      return;
    }
    this.counters.eventsWritten++;
    run.events.record(involved, type, reason, message);
  }

  /** Writes what the aggregator folded since the last flush (on stop too, so nothing is lost). */
  private flushAggregates(run: Run, stopping = false): void {
    if (run.stopped && !stopping) return;
    for (const a of run.aggregator.flush()) run.aggregates.write(a);
  }
}

/** What filtering reads from a node; a change here can make parked pods fit. */
function schedulingView(node: KubeObject): string {
  const spec = (node.spec ?? {}) as Record<string, unknown>;
  const status = (node.status ?? {}) as Record<string, unknown>;
  return JSON.stringify([node.metadata.labels, spec.taints, spec.unschedulable, status.allocatable, status.capacity]);
}

/** What scheduling reads from a pending pod (status writes, ours included, are not in it). */
function podSchedulingView(pod: KubeObject): string {
  return JSON.stringify([pod.metadata.labels, pod.metadata.annotations, pod.spec]);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The scheduler with its options, as the master's leader registry builds it. */
export function createScheduler(deps: ComponentDeps, options: Partial<SchedulerOptions> = {}): Scheduler {
  return new Scheduler(deps, options);
}

