// Pods waiting for a node. Three places, as in kube-scheduler:
//   active        — ready to be tried: a heap, higher spec.priority first, FIFO within a priority;
//   backoff       — failed recently; ready again at lastFailure + initial·2^(attempts-1) (capped);
//   unschedulable — fit nowhere; waits for a cluster change (moveAllUnschedulable) or for
//                   `unschedulableFlushMs` to pass, then goes to backoff or active.
// A popped pod is "in flight" until the caller reports the outcome (done / unschedulable /
// backoff). The queue reads time only through the injected `now`, so tests need no sleeping.

import type { KubeObject } from "../../api/object";
import { podKey, podSpec } from "./pod-info";

export type QueueState = "active" | "backoff" | "unschedulable" | "in-flight";

export interface QueuedPod {
  readonly key: string;
  /** The newest version the informer reported. */
  pod: KubeObject;
  state: QueueState;
  /** Scheduling attempts so far (incremented on pop). */
  attempts: number;
  lastFailureAt: number;
  unschedulableSince: number;
  /** When the pod was first queued (for latency metrics). */
  readonly firstQueuedAt: number;
  /** Heap bookkeeping: order within a priority, and which heap slot is current. */
  seq: number;
  pushId: number;
}

export interface QueueOptions {
  initialBackoffMs: number;
  maxBackoffMs: number;
  unschedulableFlushMs: number;
}

interface HeapSlot {
  entry: QueuedPod;
  pushId: number;
  priority: number;
  seq: number;
}

const priorityOf = (pod: KubeObject): number => {
  const p = podSpec(pod).priority;
  return typeof p === "number" ? p : 0;
};

/** a before b: higher priority, then earlier seq. */
const before = (a: HeapSlot, b: HeapSlot): boolean => (a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq);

export class SchedulingQueue {
  private readonly entries = new Map<string, QueuedPod>();
  private readonly heap: HeapSlot[] = [];
  private activeCount = 0;
  private nextSeq = 0;
  private nextPushId = 0;

  constructor(
    private readonly options: QueueOptions,
    private readonly now: () => number,
  ) {}

  /** A pending pod appeared (or reappeared on a relist); an update if it is known. */
  add(pod: KubeObject): void {
    const key = podKey(pod);
    const existing = this.entries.get(key);
    if (existing) {
      existing.pod = pod;
      return;
    }
    const entry: QueuedPod = { key, pod, state: "active", attempts: 0, lastFailureAt: 0, unschedulableSince: 0, firstQueuedAt: this.now(), seq: 0, pushId: 0 };
    this.entries.set(key, entry);
    this.pushActive(entry);
  }

  /**
   * A pending pod changed. If what scheduling reads changed (`relevant`), a pod parked as
   * unschedulable gets another chance, as in Kubernetes (e.g. a toleration was added).
   */
  update(pod: KubeObject, relevant: boolean): void {
    const entry = this.entries.get(podKey(pod));
    if (!entry) return this.add(pod);
    entry.pod = pod;
    if (relevant && entry.state === "unschedulable") this.wake(entry);
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    if (entry.state === "active") this.activeCount--;
    this.entries.delete(key);
  }

  get(key: string): QueuedPod | undefined {
    return this.entries.get(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  stateOf(key: string): QueueState | undefined {
    return this.entries.get(key)?.state;
  }

  /** The next pod to try, or undefined when none is active. It is in flight until reported. */
  pop(): QueuedPod | undefined {
    while (this.heap.length > 0) {
      const slot = this.heapPop();
      const entry = slot.entry;
      if (entry.pushId !== slot.pushId || entry.state !== "active" || this.entries.get(entry.key) !== entry) continue;
      this.activeCount--;
      entry.state = "in-flight";
      entry.attempts++;
      return entry;
    }
    return undefined;
  }

  /** Bound: the pod leaves the queue. */
  done(key: string): void {
    this.delete(key);
  }

  /** Fit nowhere: park it until the cluster changes. */
  parkUnschedulable(entry: QueuedPod): void {
    if (this.entries.get(entry.key) !== entry) return;
    entry.state = "unschedulable";
    entry.lastFailureAt = entry.unschedulableSince = this.now();
  }

  /** Failed for a transient reason (bind error): retry after back-off. */
  backoff(entry: QueuedPod): void {
    if (this.entries.get(entry.key) !== entry) return;
    entry.state = "backoff";
    entry.lastFailureAt = this.now();
  }

  /** Something changed that may let parked pods fit (node added/updated, pod removed). */
  moveAllUnschedulable(): number {
    let moved = 0;
    for (const entry of this.entries.values()) {
      if (entry.state !== "unschedulable") continue;
      this.wake(entry);
      moved++;
    }
    return moved;
  }

  /** Time-driven moves: expired back-offs to active, long-parked pods out of unschedulable. */
  flush(): void {
    const now = this.now();
    for (const entry of this.entries.values()) {
      if (entry.state === "backoff" && this.backoffUntil(entry) <= now) this.pushActive(entry);
      else if (entry.state === "unschedulable" && entry.unschedulableSince + this.options.unschedulableFlushMs <= now) this.wake(entry);
    }
  }

  /** When the earliest back-off ends (undefined when nothing is backing off). */
  nextBackoffEnd(): number | undefined {
    let next: number | undefined;
    for (const entry of this.entries.values()) {
      if (entry.state !== "backoff") continue;
      const until = this.backoffUntil(entry);
      if (next === undefined || until < next) next = until;
    }
    return next;
  }

  backoffUntil(entry: QueuedPod): number {
    const delay = Math.min(this.options.initialBackoffMs * 2 ** Math.max(0, entry.attempts - 1), this.options.maxBackoffMs);
    return entry.lastFailureAt + delay;
  }

  counts(): Record<QueueState, number> {
    const c: Record<QueueState, number> = { active: 0, backoff: 0, unschedulable: 0, "in-flight": 0 };
    for (const e of this.entries.values()) c[e.state]++;
    return c;
  }

  activeLength(): number {
    return this.activeCount;
  }

  /** Parked or backing-off pod becomes eligible: active if its back-off has passed, else backoff. */
  private wake(entry: QueuedPod): void {
    if (this.backoffUntil(entry) <= this.now()) this.pushActive(entry);
    else entry.state = "backoff";
  }

  private pushActive(entry: QueuedPod): void {
    if (entry.state !== "active" || entry.pushId === 0) this.activeCount++;
    entry.state = "active";
    entry.seq = ++this.nextSeq;
    entry.pushId = ++this.nextPushId;
    this.heapPush({ entry, pushId: entry.pushId, priority: priorityOf(entry.pod), seq: entry.seq });
  }

  private heapPush(slot: HeapSlot): void {
    const h = this.heap;
    h.push(slot);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  private heapPop(): HeapSlot {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}
