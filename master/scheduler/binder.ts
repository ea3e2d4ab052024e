// Collects bindings and writes them in batches: a batch goes out when it has `batchSize` pods or
// when the oldest waiting binding is `flushMs` old, with at most `concurrency` batches in flight.
// Outcomes are handed back one by one through `onOutcome`.

import type { BindOutcome, BindRequest, BindWriter } from "./bind-writer";

export interface BinderOptions {
  batchSize: number;
  flushMs: number;
  concurrency: number;
}

export interface BinderStats {
  batches: number;
  binds: number;
  largestBatch: number;
}

export class BatchBinder {
  private pending: BindRequest[] = [];
  private timer?: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  readonly stats: BinderStats = { batches: 0, binds: 0, largestBatch: 0 };

  constructor(
    private readonly writer: BindWriter,
    private readonly options: BinderOptions,
    private readonly onOutcome: (request: BindRequest, outcome: BindOutcome) => void,
  ) {}

  add(request: BindRequest): void {
    if (this.stopped) {
      this.onOutcome(request, { kind: "error", error: new Error("scheduler stopped before the binding was written") });
      return;
    }
    this.pending.push(request);
    if (this.pending.length >= this.options.batchSize) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.flushMs);
  }

  /** Writes what is waiting now, as far as the in-flight limit allows. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.pending.length > 0 && this.inFlight.size < this.options.concurrency) {
      const batch = this.pending.splice(0, this.options.batchSize);
      const p = this.writeBatch(batch).finally(() => {
        this.inFlight.delete(p);
        if (this.pending.length > 0 && !this.stopped) this.flush();
      });
      this.inFlight.add(p);
    }
  }

  pendingCount(): number {
    return this.pending.length;
  }

  /** Refuses new work, reports unwritten bindings as errors and waits for in-flight batches. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const dropped = this.pending;
    this.pending = [];
    for (const r of dropped) this.onOutcome(r, { kind: "error", error: new Error("scheduler stopped before the binding was written") });
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private async writeBatch(batch: BindRequest[]): Promise<void> {
    let outcomes: BindOutcome[];
    try {
      outcomes = await this.writer.write(batch);
    } catch (error) {
      outcomes = batch.map(() => ({ kind: "error", error }));
    }
    this.stats.batches++;
    this.stats.binds += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    batch.forEach((r, i) => this.onOutcome(r, outcomes[i]));
  }
}
