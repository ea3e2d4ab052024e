// Collects pod statuses and events from the pod workers and hands them to listeners (master
// sessions) in batches: changes to one pod within `coalesceMs` (100 ms) go out once, with the
// latest status. Also the source of truth for ListPodStatus and for the full status a new
// session starts with.

import type { PodStatus } from "kubernetes-types/core/v1";
import { EventFolder, type AgentEvent, type FoldedEvent } from "./events";

export interface PodStatusRecord {
  uid: string;
  namespace: string;
  name: string;
  status: PodStatus;
  containersStopped: boolean;
  observedResourceVersion: string;
}

export interface StatusBatch {
  pods: PodStatusRecord[];
  removed: string[];
  events: FoldedEvent[];
}

export type StatusListener = (batch: StatusBatch) => void;

export class StatusReporter {
  private latest = new Map<string, PodStatusRecord>();
  private dirty = new Set<string>();
  private removedUids = new Set<string>();
  private events = new Map<string, FoldedEvent>();
  private listeners = new Set<StatusListener>();
  private timer: NodeJS.Timeout | undefined;
  private readonly folder = new EventFolder();

  constructor(
    private readonly coalesceMs = 100,
    private readonly now: () => number = Date.now,
  ) {}

  update(record: PodStatusRecord): void {
    this.latest.set(record.uid, record);
    this.removedUids.delete(record.uid);
    this.dirty.add(record.uid);
    this.schedule();
  }

  removed(uid: string): void {
    this.latest.delete(uid);
    this.dirty.delete(uid);
    this.removedUids.add(uid);
    this.folder.forget(uid);
    this.schedule();
  }

  event(e: AgentEvent): void {
    const folded = this.folder.fold(e, this.now());
    this.events.set(folded.seriesId, folded);
    this.schedule();
  }

  get(uid: string): PodStatusRecord | undefined {
    return this.latest.get(uid);
  }

  snapshot(uids?: readonly string[]): PodStatusRecord[] {
    if (!uids || uids.length === 0) return [...this.latest.values()];
    return uids.flatMap((u) => (this.latest.has(u) ? [this.latest.get(u)!] : []));
  }

  subscribe(listener: StatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends what is pending now (tests, shutdown). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch: StatusBatch = {
      pods: [...this.dirty].flatMap((u) => (this.latest.has(u) ? [this.latest.get(u)!] : [])),
      removed: [...this.removedUids],
      events: [...this.events.values()],
    };
    this.dirty.clear();
    this.removedUids.clear();
    this.events.clear();
    if (batch.pods.length === 0 && batch.removed.length === 0 && batch.events.length === 0) return;
    for (const l of this.listeners) l(batch);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.coalesceMs);
  }
}
