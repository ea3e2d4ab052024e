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
import { findResource, type ResourceType } from "../../api/resources";
import { ResourceClient } from "../registry/internal-client";
import { acquireInformer, releaseAll, type InformerHandlers, type InformerLease } from "../cache/shared-informers";
import type { ComponentDeps, LeaderComponent } from "../component";
import { EventRecorder, type EventRecorderStats } from "../controllers/events";
import { AGGREGATE_ACROSS_OBJECTS, AGGREGATE_BY_REASON, type AggregateKeyFunc } from "../controllers/event-correlator";
import { SCHEDULER_USER } from "../auth/internal-users";
import { BatchBinder, type BinderStats } from "./binder";
import { leaderFence } from "../election/fence";
import { RegistryBindWriter, type BindOutcome, type BindRequest, type BindWriter } from "./bind-writer";
import { assignedNode, isTerminal, SchedulerCache } from "./cache";
import { Snapshot } from "./snapshot";
import { unschedulableMessage } from "./diagnosis";
import { filterNodes, scoreNodes, selectHost } from "./pipeline";
import { newPodInfo, podKey, podSpec } from "./pod-info";
import { defaultFilters, podDependentFilters, scorersFor } from "./plugins";
import { LatencyRecorder, type LatencySummary } from "./latency";
import { SchedulingQueue, type QueuedPod, type QueueState } from "./queue";
import { StatusWriter } from "./status-writer";
import { DEFAULT_OPTIONS, type FilterPlugin, type SchedulerOptions, type SchedulingMetrics, type SchedulingResult, type ScorePlugin } from "./types";

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
  /** Events recorded, filtered as spam, and Event objects created and updated (all terms). */
  events: EventRecorderStats;
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
  tick?: NodeJS.Timeout;
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
  private counters = { attempts: 0, scheduled: 0, unschedulable: 0, errors: 0, bindRejected: 0 };
  /** The event counts of terms that ended. */
  private pastEvents: EventRecorderStats = { recorded: 0, skipped: 0, created: 0, updated: 0 };
  private lastBinderStats: BinderStats = { batches: 0, binds: 0, largestBatch: 0 };
  private readonly latency = new LatencyRecorder();
  /** The master's scheduler_* metrics (its registry; counters survive leadership terms). */
  private readonly attemptMetrics: SchedulingMetrics;

  constructor(
    private readonly deps: ComponentDeps,
    options: Partial<SchedulerOptions> = {},
    /** Tests may put in their own writer; by default binds go through the registry as system:kube-scheduler. */
    private readonly makeWriter?: (deps: ComponentDeps) => BindWriter,
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
    if (this.options.bindBatchSize < 1 || this.options.bindBatchSize > 128) throw new Error(`bindBatchSize must be 1..128 (etcd's --max-txn-ops), not ${this.options.bindBatchSize}`);
    this.scorers = scorersFor(this.options.scoring);
    this.attemptMetrics = deps.ctx.metrics.scheduler;
  }

  async start(): Promise<void> {
    if (this.run && !this.run.stopped) return;
    const { ctx, log } = this.deps;
    const o = this.options;
    const clock = () => performance.now();
    // Under an election, binds are fenced by the term: a deposed leader's binds fail in etcd.
    const fence = this.deps.leadership && leaderFence(this.deps.leadership);
    const writer = this.makeWriter?.(this.deps) ?? new RegistryBindWriter(ctx, SCHEDULER_USER, fence);
    const onInformerError = (what: string) => (err: unknown) => log.warn({ err }, `scheduler: ${what} watch ended; relisting`);
    const run: Run = {
      stopped: false,
      leases: [],
      cache: new SchedulerCache(),
      snapshot: new Snapshot(),
      queue: new SchedulingQueue(o, clock),
      binder: new BatchBinder(writer, { batchSize: o.bindBatchSize, flushMs: o.bindFlushMs, concurrency: o.bindConcurrency }, (r, out) => this.onBound(run, r, out)),
      status: new StatusWriter(new ResourceClient(ctx, PODS, SCHEDULER_USER), () => ctx.clock.now(), (err, pod) => log.warn({ err, pod }, "scheduler: could not write PodScheduled condition")),
      events: new EventRecorder(ctx, o.schedulerName, SCHEDULER_USER, (err) => log.debug({ err }, "scheduler: event not written"), {
        aggregateKey: SCHEDULER_EVENT_AGGREGATION,
        maxIntervalMs: o.eventAggregationWindowMs,
      }),
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
    this.attemptMetrics.pendingFrom(() => {
      const c = run.queue.counts();
      return { active: c.active, backoff: c.backoff, unschedulable: c.unschedulable };
    });
    run.tick = setInterval(() => {
      run.queue.flush();
      if (run.queue.activeLength() > 0) this.kick(run);
    }, TICK_MS);
    this.kick(run);
    log.info({ scoring: o.scoring, nodes: run.cache.nodeCount() }, "scheduler started");
  }

  async stop(): Promise<void> {
    const run = this.run;
    if (!run || run.stopped) return;
    run.stopped = true;
    clearInterval(run.tick);
    this.attemptMetrics.pendingFrom(undefined);
    this.lastBinderStats = { ...run.binder.stats };
    this.pastEvents = sumStats(this.pastEvents, run.events.stats());
    await releaseAll(run.leases.splice(0));
    await run.binder.stop();
    await run.status.stop();
  }

  metrics(): SchedulerMetrics {
    const run = this.run;
    return {
      ...this.counters,
      events: run && !run.stopped ? sumStats(this.pastEvents, run.events.stats()) : { ...this.pastEvents },
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
  private scheduleOne(run: Run, entry: QueuedPod, startedAt: number): void {
    const pod = newPodInfo(entry.pod);
    this.counters.attempts++;

    // 1. Snapshot: the cluster as this cycle sees it, every earlier assumption included.
    run.cache.updateSnapshot(run.snapshot);
    const nodes = run.snapshot.nodes;

    // 2. Filter: the nodes the pod's equivalence class passes the node-only filters on (cached),
    //    one per group of nodes in the same state, through the pod-dependent filters (Snapshot.placementFor).
    const { candidates, standsFor } = run.snapshot.placementFor(pod);
    const filtered = filterNodes(pod, candidates, this.podFilters);
    if (filtered.error) return this.failed(run, entry, `plugin ${filtered.error.plugin} failed on node ${filtered.error.node}: ${filtered.error.message}`, startedAt);
    if (filtered.feasible.length === 0) {
      // Why, node by node: the record the user reads in the condition and the event.
      const { rejected } = filterNodes(pod, nodes, this.filters);
      return this.unschedulable(run, entry, unschedulableMessage(pod, rejected, nodes.length, this.filters), startedAt);
    }

    // 3. Score the feasible nodes, 4. pick the best (ties: deterministic rotation by pod name).
    const scores = scoreNodes(pod, filtered.feasible, this.scorers);
    const best = selectHost(pod, filtered.feasible, scores, standsFor)!;

    // 5. Assume: count the pod on its node now, so the next cycle sees it before etcd does.
    run.cache.assume(pod, best.name);

    // 6. Bind: into the next batched etcd transaction; onBound confirms or takes it back.
    run.binder.add({ pod: entry.pod, nodeName: best.name, queuedAt: entry.firstQueuedAt, attemptStartedAt: startedAt });
  }

  private attempted(result: SchedulingResult, startedAt: number | undefined): void {
    if (startedAt !== undefined) this.attemptMetrics.attempt(result, this.options.schedulerName, (performance.now() - startedAt) / 1000);
  }

  private unschedulable(run: Run, entry: QueuedPod, message: string, startedAt: number): void {
    this.counters.unschedulable++;
    this.attempted("unschedulable", startedAt);
    run.queue.parkUnschedulable(entry);
    this.event(run, entry.pod, "Warning", "FailedScheduling", message);
    run.status.set(entry.pod, { type: "PodScheduled", status: "False", reason: "Unschedulable", message });
  }

  private failed(run: Run, entry: QueuedPod, message: string, startedAt: number): void {
    this.counters.errors++;
    this.attempted("error", startedAt);
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
        this.attempted("scheduled", request.attemptStartedAt);
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
        this.attempted("error", request.attemptStartedAt);
        run.cache.forget(key, uid);
        if (sameEntry) run.queue.delete(key);
        break;
      case "error":
        this.counters.errors++;
        this.attempted("error", request.attemptStartedAt);
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
      const startedAt = performance.now();
      try {
        this.scheduleOne(run, entry, startedAt);
      } catch (err) {
        this.failed(run, entry, errorText(err), startedAt);
      }
      if (performance.now() >= deadline) return this.kick(run);
    }
  }

  private event(run: Run, pod: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void {
    if (run.stopped) return;
    run.events.record({ ...pod, apiVersion: pod.apiVersion ?? "v1", kind: pod.kind ?? "Pod" }, type, reason, message);
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

/**
 * `Scheduled` events of a burst aggregate across pods (from the 10th on, one "(combined from similar
 * events)" Event per namespace counts the rest); `FailedScheduling` stays per pod, as in
 * client-go, since that is what a user reads to see why a pod is pending.
 */
const SCHEDULER_EVENT_AGGREGATION: AggregateKeyFunc = (r) => (r.reason === "Scheduled" ? AGGREGATE_ACROSS_OBJECTS(r) : AGGREGATE_BY_REASON(r));

function sumStats(a: EventRecorderStats, b: EventRecorderStats): EventRecorderStats {
  return { recorded: a.recorded + b.recorded, skipped: a.skipped + b.skipped, created: a.created + b.created, updated: a.updated + b.updated };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The scheduler with its options, as the master's leader registry builds it. */
export function createScheduler(deps: ComponentDeps, options: Partial<SchedulerOptions> = {}): Scheduler {
  return new Scheduler(deps, options);
}

