// The up direction of every session: what agents report becomes API writes, batched.
//   PodStatusUpdate → pod status through the status rules (one write per pod per flush, none
//                     when nothing changed), and the end of graceful deletes;
//   NodeStatus, Heartbeat → node status (fresh lastHeartbeatTime, throttled) and the node Lease;
//   Event → core/v1 Events, one object per agent series.
// Every write is made as the reporting node's kubelet user, system:node:<name>
// (master/auth/internal-users.ts), so the Node authorizer and NodeRestriction hold what an agent
// reports to its own Node, Lease and pods, as they would hold a kubelet writing to the API.

import { isDeepStrictEqual } from "node:util";
import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { nodeUser } from "../auth/internal-users";
import type { ResourceClient } from "../registry/internal-client";
import type { Event, NodeStatus, PodStatus } from "../../proto/gen/agent";
import type { Logger } from "../log";
import { eventObject, eventObjectKey, updateEventObject } from "./agent-events";
import { CoalescingWriter } from "./coalescing-writer";
import { mergeNodeStatus, NODE_LEASE_NAMESPACE, nodeLease, rfc3339 } from "./node-status";
import { mergePodStatus } from "./pod-status";

/** The resources agents' reports are written to; Upstream writes through them as each node. */
export interface UpstreamClients {
  pods: ResourceClient;
  nodes: ResourceClient;
  leases: ResourceClient;
  events: ResourceClient;
}

function asNode(clients: UpstreamClients, node: string): UpstreamClients {
  const user = nodeUser(node);
  return { pods: clients.pods.as(user), nodes: clients.nodes.as(user), leases: clients.leases.as(user), events: clients.events.as(user) };
}

export interface UpstreamCaches {
  podByUid(uid: string): KubeObject | undefined;
  node(name: string): KubeObject | undefined;
}

export interface UpstreamOptions {
  clients: UpstreamClients;
  caches: UpstreamCaches;
  log: Logger;
  clock: { now(): Date };
  flushMs: number;
  podWriteConcurrency: number;
  /** At most one heartbeat write (node condition and Lease) per node per this many ms. */
  heartbeatThrottleMs: number;
}

interface PodReport {
  node: string;
  status?: PodStatus;
  /** The agent has cleaned the pod up after it left the desired set. */
  removed: boolean;
}

interface NodeReport {
  heartbeat: boolean;
}

export class Upstream {
  private readonly podWriter: CoalescingWriter<string, PodReport>;
  private readonly nodeWriter: CoalescingWriter<string, NodeReport>;
  private readonly eventWriter: CoalescingWriter<string, { node: string; event: Event }>;
  /** The last NodeStatus each agent sent; re-applied on every heartbeat write. */
  private readonly nodeReports = new Map<string, NodeStatus>();
  private readonly lastHeartbeatWrite = new Map<string, number>();
  /** Pods whose agent said every container has stopped: a graceful delete may finish. */
  private readonly stopped = new Map<string, string>();

  constructor(private readonly o: UpstreamOptions) {
    const onError = (what: string) => (key: string, err: unknown) => o.log.warn({ err, key }, `${what} failed; giving up until the agent reports again`);
    this.podWriter = new CoalescingWriter({
      intervalMs: o.flushMs,
      concurrency: o.podWriteConcurrency,
      write: (uid, r) => this.writePod(uid, r),
      merge: (a, b) => ({ node: b.node, status: b.status ?? a.status, removed: a.removed || b.removed }),
      onError: onError("pod status write"),
    });
    this.nodeWriter = new CoalescingWriter({
      intervalMs: o.flushMs,
      concurrency: 4,
      write: (node, r) => this.writeNode(node, r),
      merge: (a, b) => ({ heartbeat: a.heartbeat || b.heartbeat }),
      onError: onError("node status write"),
    });
    this.eventWriter = new CoalescingWriter({
      intervalMs: o.flushMs,
      concurrency: 4,
      write: (_key, v) => this.writeEvent(v.node, v.event),
      onError: onError("event write"),
    });
  }

  async stop(): Promise<void> {
    await Promise.all([this.podWriter.stop(), this.nodeWriter.stop(), this.eventWriter.stop()]);
  }

  /** Writes everything pending now (tests, shutdown of a healthy leader). */
  async flush(): Promise<void> {
    await Promise.all([this.podWriter.flush(), this.nodeWriter.flush(), this.eventWriter.flush()]);
  }

  podStatus(node: string, pods: PodStatus[], removed: string[]): void {
    for (const s of pods) {
      if (s.containersStopped) this.stopped.set(s.uid, node);
      else this.stopped.delete(s.uid);
      this.podWriter.put(s.uid, { node, status: s, removed: false });
    }
    for (const uid of removed) this.podWriter.put(uid, { node, removed: true });
  }

  /** A pod changed in the cache: a delete may now be finishable with what the agent said before. */
  podChanged(pod: KubeObject): void {
    const uid = pod.metadata.uid ?? "";
    const node = this.stopped.get(uid);
    if (node && pod.metadata.deletionTimestamp) this.podWriter.put(uid, { node, removed: false });
  }

  podGone(uid: string): void {
    this.stopped.delete(uid);
  }

  nodeStatus(node: string, s: NodeStatus): void {
    const previous = this.nodeReports.get(node);
    this.nodeReports.set(node, s);
    // Agents report every few seconds; usage alone changes nothing in the Node object, so an
    // unchanged report is only a heartbeat (and throttled like one).
    const same = previous !== undefined && isDeepStrictEqual({ ...previous, usage: undefined }, { ...s, usage: undefined });
    this.heartbeat(node, !same);
  }

  heartbeat(node: string, force = false): void {
    const now = this.o.clock.now().getTime();
    const last = this.lastHeartbeatWrite.get(node) ?? 0;
    if (!force && now - last < this.o.heartbeatThrottleMs) return;
    this.lastHeartbeatWrite.set(node, now);
    this.nodeWriter.put(node, { heartbeat: true });
  }

  event(node: string, e: Event): void {
    this.eventWriter.put(`${node}/${e.seriesId}/${e.podUid}`, { node, event: e });
  }

  forgetNode(node: string): void {
    this.nodeReports.delete(node);
    this.lastHeartbeatWrite.delete(node);
  }

  private async writePod(uid: string, r: PodReport): Promise<void> {
    const cached = this.o.caches.podByUid(uid);
    if (!cached) return; // deleted meanwhile: nothing left to report on
    const spec = (cached.spec ?? {}) as { nodeName?: string };
    if (spec.nodeName !== r.node) return; // a stale report from a node the pod is not on
    const ns = cached.metadata.namespace;
    const name = cached.metadata.name!;
    if (r.status) {
      const s = r.status;
      const unchanged = isDeepStrictEqual(mergePodStatus(cached, s), cached.status ?? {});
      if (!unchanged) {
        await ignoreNotFound(
          asNode(this.o.clients, r.node).pods.update(ns, name, (pod) => {
            if (pod.metadata.uid !== uid) return undefined;
            const status = mergePodStatus(pod, s);
            return isDeepStrictEqual(status, pod.status ?? {}) ? undefined : { ...pod, status };
          }, { statusOnly: true }),
        );
      }
    }
    if (cached.metadata.deletionTimestamp && (r.removed || this.stopped.has(uid))) {
      // Graceful delete: the containers are gone, so the Pod object may go too.
      // Conflict: the uid precondition failed, i.e. a new pod of the same name; not ours to delete.
      await ignoreNotFound(asNode(this.o.clients, r.node).pods.delete(ns, name, { gracePeriodSeconds: 0, preconditions: { uid } })).catch((err) => {
        if (!(err instanceof ApiError && err.code === 409)) throw err;
      });
    }
  }

  private async writeNode(nodeName: string, r: NodeReport): Promise<void> {
    const report = this.nodeReports.get(nodeName);
    const nowDate = this.o.clock.now();
    const now = rfc3339(nowDate);
    const node = await ignoreNotFound(
      asNode(this.o.clients, nodeName).nodes.update(undefined, nodeName, (n) => ({ ...n, status: mergeNodeStatus(n, report, now) }), { statusOnly: true }),
    );
    if (!node || !r.heartbeat) return;
    const leases = asNode(this.o.clients, nodeName).leases;
    const existing = await leases.tryGet(NODE_LEASE_NAMESPACE, nodeName);
    if (existing) {
      await leases.update(NODE_LEASE_NAMESPACE, nodeName, (l) => nodeLease(node, nowDate, l));
      return;
    }
    try {
      await leases.create(nodeLease(node, nowDate));
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === "AlreadyExists")) throw err;
      await leases.update(NODE_LEASE_NAMESPACE, nodeName, (l) => nodeLease(node, nowDate, l));
    }
  }

  private async writeEvent(nodeName: string, e: Event): Promise<void> {
    const now = rfc3339(this.o.clock.now());
    const pod = e.podUid ? this.o.caches.podByUid(e.podUid) : undefined;
    const fresh = eventObject(nodeName, e, now, this.o.caches.node(nodeName), pod);
    const { namespace, name } = eventObjectKey(nodeName, e);
    const events = asNode(this.o.clients, nodeName).events;
    const bump = () => events.update(namespace, name, (cur) => updateEventObject(cur, fresh));
    try {
      await bump();
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
    try {
      await events.create(fresh);
    } catch (err) {
      if (err instanceof ApiError && err.reason === "AlreadyExists") await bump();
      else if (err instanceof ApiError && err.code === 404) return; // the namespace is gone
      else throw err;
    }
  }
}

async function ignoreNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined;
    throw err;
  }
}
