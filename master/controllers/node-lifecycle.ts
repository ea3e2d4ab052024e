// Node lifecycle controller: notices nodes whose agent went quiet, marks them (Ready Unknown,
// unreachable taints), marks their pods not ready, and evicts pods from nodes with NoExecute
// taints once their tolerations run out. Decisions: node-lifecycle-core.ts; this file is the I/O.
//
// One pass looks at every node (a single queue key): the disruption check needs them all at
// once. Passes run on node, lease and pod events, at the next deadline the plan names (a grace
// period or a toleration running out), and every `monitorPeriodMs` regardless.

import type { PodCondition } from "kubernetes-types/core/v1";
import { ApiError } from "../../api/errors";
import { findResource } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import { ResourceClient } from "../registry/internal-client";
import { controllerUser } from "../auth/internal-users";
import { acquireInformer, releaseAll, type InformerLease } from "../cache/shared-informers";
import type { ComponentDeps, LeaderComponent } from "../component";
import { WorkQueue, canonicalJson, leaderComponent, timestamp, type PodObject, type QueueTimers } from "./controller-utils";
import { EventRecorder } from "./events";
import {
  DEFAULT_NODE_LIFECYCLE_TIMINGS,
  HeartbeatTracker,
  NODE_LEASE_NAMESPACE,
  applyTaintUpdate,
  planNodeLifecycle,
  readyCondition,
  type LeaseObject,
  type NodeLifecyclePlan,
  type NodeLifecycleTimings,
  type NodeObject,
  type ZoneState,
} from "./node-lifecycle-core";
import { TAINT_NOT_READY, TAINT_UNREACHABLE } from "./node-lifecycle-taints";

const NODES = findResource("", "v1", "nodes")!;
const PODS = findResource("", "v1", "pods")!;
const LEASES = findResource("coordination.k8s.io", "v1", "leases")!;
const KEY = "nodes";

export interface NodeLifecycleOptions extends Partial<NodeLifecycleTimings> {
  log?: (level: "info" | "warn", msg: string, err?: unknown) => void;
  /** A pass at least this often (--node-monitor-period). Default 5 s. */
  monitorPeriodMs?: number;
  /** For tests: timers of the work queue. */
  timers?: QueueTimers;
}

export class NodeLifecycleController {
  private readonly queue: WorkQueue;
  private readonly tracker = new HeartbeatTracker();
  private readonly timings: NodeLifecycleTimings;
  private readonly nodes: ResourceClient;
  private readonly pods: ResourceClient;
  private readonly events: EventRecorder;
  private readonly log: NonNullable<NodeLifecycleOptions["log"]>;
  /** Pods already evicted, so a lagging cache does not evict (and report) them twice. */
  private readonly evicted = new Set<string>();
  private mode: ZoneState = "Normal";
  private nodeLease?: InformerLease<NodeObject>;
  private podLease?: InformerLease<PodObject>;
  private leaseLease?: InformerLease<LeaseObject>;
  private monitor?: NodeJS.Timeout;

  constructor(
    private readonly ctx: ApiContext,
    private readonly options: NodeLifecycleOptions = {},
  ) {
    this.log = options.log ?? (() => {});
    this.timings = {
      gracePeriodMs: options.gracePeriodMs ?? DEFAULT_NODE_LIFECYCLE_TIMINGS.gracePeriodMs,
      startupGracePeriodMs: options.startupGracePeriodMs ?? DEFAULT_NODE_LIFECYCLE_TIMINGS.startupGracePeriodMs,
      unhealthyZoneThreshold: options.unhealthyZoneThreshold ?? DEFAULT_NODE_LIFECYCLE_TIMINGS.unhealthyZoneThreshold,
    };
    this.queue = new WorkQueue(() => this.sync().then(() => undefined), {
      concurrency: 1,
      timers: options.timers,
      metrics: ctx.metrics.workqueues.queue("node-lifecycle"),
      onError: (_key, err) => this.log("warn", "node lifecycle pass failed; will retry", err),
    });
    const user = controllerUser("node-controller");
    this.nodes = new ResourceClient(ctx, NODES, user);
    this.pods = new ResourceClient(ctx, PODS, user);
    this.events = new EventRecorder(ctx, "node-controller", user, (err) => this.log("warn", "recording an event failed", err));
  }

  async start(): Promise<void> {
    const onError = (err: unknown) => this.log("warn", "node lifecycle watch failed; relisting", err);
    const poke = () => this.queue.add(KEY);
    // Heartbeats of healthy nodes need no pass of their own: the periodic pass notes them, as
    // Kubernetes' node monitor does. Anything that can change a verdict gets one at once.
    this.nodeLease = await acquireInformer<NodeObject>(this.ctx, NODES, {
      add: poke,
      update: (old, node) => {
        if (!isHealthy(node) || !isHealthy(old) || verdictInputs(old) !== verdictInputs(node)) poke();
      },
      delete: poke,
    }, { onError });
    const leaseEvent = (l: LeaseObject) => {
      if (l.metadata.namespace !== NODE_LEASE_NAMESPACE) return;
      const node = this.nodeLease?.get(l.metadata.name ?? "");
      if (!node || !isHealthy(node)) poke();
    };
    this.leaseLease = await acquireInformer<LeaseObject>(this.ctx, LEASES, { add: leaseEvent, update: (_o, l) => leaseEvent(l) }, { onError });
    this.podLease = await acquireInformer<PodObject>(this.ctx, PODS, {
      add: (p) => this.podEvent(p),
      update: (_o, p) => this.podEvent(p),
      delete: (p) => this.evicted.delete(p.metadata.uid ?? ""),
    }, { onError });
    poke();
    this.monitor = setInterval(poke, this.options.monitorPeriodMs ?? 5000);
    this.monitor.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.monitor);
    await this.queue.shutDown();
    await releaseAll([this.podLease, this.leaseLease, this.nodeLease]);
    this.podLease = this.leaseLease = this.nodeLease = undefined;
  }

  /** Resolves when no pass is queued or running. For tests. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Asks for a pass now (tests advancing a clock). */
  poke(): void {
    this.queue.add(KEY);
  }

  /** A pod landing on (or changing on) a node that is tainted NoExecute or unreachable needs a look. */
  private podEvent(pod: PodObject): void {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName || pod.metadata.deletionTimestamp) return;
    const node = this.nodeLease?.get(nodeName);
    if (!node) return;
    if ((node.spec?.taints ?? []).some((t) => t.effect === "NoExecute") || readyCondition(node)?.status === "Unknown") this.queue.add(KEY);
  }

  /** One pass over every node. */
  async sync(): Promise<NodeLifecyclePlan | undefined> {
    if (!this.nodeLease || !this.podLease || !this.leaseLease) return undefined;
    const now = this.ctx.clock.now();
    const leases = new Map(this.leaseLease.list(NODE_LEASE_NAMESPACE).map((l) => [l.metadata.name ?? "", l]));
    const pods = this.podLease.list().filter((p) => p.spec?.nodeName && !this.evicted.has(p.metadata.uid ?? ""));
    const plan = planNodeLifecycle({ nodes: this.nodeLease.list(), leases, pods, tracker: this.tracker, now, timings: this.timings });
    this.reportMode(plan);

    const skipped = new Set<string>();
    for (const u of plan.conditionUpdates) {
      await this.ignoreMissing(
        this.nodes.update(undefined, u.node, (current) => {
          const ready = readyCondition(current as NodeObject);
          // A heartbeat arrived since the pass read the node: it is not lost after all.
          skipped.delete(u.node);
          if (ready?.lastHeartbeatTime !== u.expectHeartbeat) {
            skipped.add(u.node);
            return undefined;
          }
          const conditions = [...((current.status as NodeObject["status"])?.conditions ?? [])];
          for (const c of u.conditions) {
            const i = conditions.findIndex((x) => x.type === c.type);
            if (i >= 0) conditions[i] = c;
            else conditions.push(c);
          }
          return { ...current, status: { ...(current.status as object), conditions } };
        }, { statusOnly: true }),
      );
    }
    for (const u of plan.taintUpdates) {
      await this.ignoreMissing(
        this.nodes.update(undefined, u.node, (current) => {
          const spec = (current.spec ?? {}) as NonNullable<NodeObject["spec"]>;
          const taints = applyTaintUpdate(spec.taints, u);
          return { ...current, spec: { ...spec, taints: taints.length > 0 ? taints : undefined } };
        }),
      );
    }
    for (const { object, event } of plan.events) {
      if (!skipped.has(object.metadata.name ?? "")) this.events.record({ ...object, apiVersion: "v1", kind: "Node" }, event.type, event.reason, event.message);
    }

    for (const pod of plan.markNotReady) {
      await this.ignoreMissing(
        this.pods.update(pod.metadata.namespace, pod.metadata.name!, (current) => {
          if (current.metadata.uid !== pod.metadata.uid) return undefined;
          const status = (current.status ?? {}) as { conditions?: PodCondition[] };
          const conditions = (status.conditions ?? []).map((c) => (c.type === "Ready" && c.status !== "False" ? { ...c, status: "False", lastTransitionTime: timestamp(now) } : c));
          if (conditions.every((c, i) => c === (status.conditions ?? [])[i])) return undefined;
          return { ...current, status: { ...status, conditions } };
        }, { statusOnly: true }),
      );
    }
    for (const { pod, message } of plan.evict) {
      const done = await this.ignoreMissing(this.pods.delete(pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } }));
      this.evicted.add(pod.metadata.uid ?? "");
      if (done !== undefined) this.events.record({ ...pod, apiVersion: "v1", kind: "Pod" }, "Normal", "TaintManagerEviction", message);
    }
    if (plan.requeueAfterMs !== undefined) this.queue.addAfter(KEY, plan.requeueAfterMs);
    return plan;
  }

  private reportMode(plan: NodeLifecyclePlan): void {
    if (plan.mode === this.mode) return;
    const lost = [...plan.zones].filter(([, s]) => s !== "Normal").map(([z, s]) => `${z || "<default>"}: ${s}`).join(", ");
    if (plan.mode === "FullDisruption") {
      this.log("warn", `Controller detected that all Nodes are not-Ready (${lost}). Entering master disruption mode: no pods are evicted until a node is Ready again.`);
    } else if (plan.mode === "PartialDisruption") {
      this.log("warn", `Zones in partial disruption (${lost}): no new NoExecute taints there until they recover.`);
    } else {
      this.log("info", "Controller detected that some Nodes are Ready. Exiting master disruption mode.");
    }
    this.mode = plan.mode;
  }

  private async ignoreMissing<T>(p: Promise<T>): Promise<T | undefined> {
    try {
      return await p;
    } catch (err) {
      if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return undefined;
      throw err;
    }
  }
}

/** Ready=True and not tainted by this controller. */
function isHealthy(node: NodeObject): boolean {
  return readyCondition(node)?.status === "True" && !(node.spec?.taints ?? []).some((t) => t.key === TAINT_UNREACHABLE || t.key === TAINT_NOT_READY);
}

/** Everything but heartbeat times that a pass decides by. */
function verdictInputs(node: NodeObject): string {
  return canonicalJson([
    node.metadata.labels ?? {},
    node.metadata.deletionTimestamp ?? null,
    node.spec?.taints ?? [],
    node.spec?.unschedulable ?? false,
    (node.status?.conditions ?? []).map((c) => [c.type, c.status]),
  ]);
}

/** Leader component factory for master/leader-components.ts. */
export function nodeLifecycleControllerComponent(deps: ComponentDeps, options: NodeLifecycleOptions = {}): LeaderComponent {
  return leaderComponent("node-lifecycle-controller", deps, (d) =>
    new NodeLifecycleController(d.ctx, {
      log: (level, msg, err) => (level === "info" ? d.log.info({ err }, msg) : d.log.warn({ err }, msg)),
      ...options,
    }),
  );
}
