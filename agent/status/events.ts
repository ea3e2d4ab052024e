// Folds repeats of an event (same pod, container, reason and message) into one series with a
// count and first/last timestamps, as the client-go event correlator does, so the master updates
// one Event object instead of creating thousands ("Back-off restarting ..." x 40).

import { createHash } from "node:crypto";

export interface AgentEvent {
  podUid: string;
  podNamespace: string;
  podName: string;
  container?: string;
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

export interface FoldedEvent extends AgentEvent {
  seriesId: string;
  count: number;
  /** ms since the epoch */
  firstTimestamp: number;
  lastTimestamp: number;
}

const MAX_SERIES = 4096;

export class EventFolder {
  private series = new Map<string, FoldedEvent>();

  fold(e: AgentEvent, now: number): FoldedEvent {
    const id = createHash("sha256").update([e.podUid, e.container ?? "", e.type, e.reason, e.message].join("\0")).digest("hex").slice(0, 32);
    const prev = this.series.get(id);
    const folded: FoldedEvent = prev ? { ...prev, count: prev.count + 1, lastTimestamp: now } : { ...e, seriesId: id, count: 1, firstTimestamp: now, lastTimestamp: now };
    this.series.delete(id); // re-insert: Map order is the LRU order
    this.series.set(id, folded);
    if (this.series.size > MAX_SERIES) this.series.delete(this.series.keys().next().value as string);
    return folded;
  }

  /** Forgets a pod's series once the pod is gone. */
  forget(podUid: string): void {
    for (const [id, e] of this.series) if (e.podUid === podUid) this.series.delete(id);
  }
}
