// A keyed work queue for controllers, shaped like client-go's rate-limited workqueue:
//
//  - keys ("namespace/name") are deduplicated: adding a key that is already waiting is a no-op;
//  - one key is never processed twice at once: a key added while it is being processed is
//    processed again right after (it is "dirty"), so no event is lost and no two workers race
//    on the same object;
//  - a handler that throws is retried with per-key exponential back-off (5 ms, 10 ms, 20 ms,
//    ... capped at `maxDelayMs`, 60 s by default; client-go caps at 1000 s), and a success
//    resets the key's failure count;
//  - `addAfter` schedules a key for later (minReadySeconds, progress deadlines), keeping the
//    earliest time when scheduled twice.
//
// Timers are injected so tests can drive the queue without sleeping.

export interface QueueTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_TIMERS: QueueTimers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Where a queue reports what client-go's workqueue metrics count (master/metrics). */
export interface WorkQueueMetrics {
  /** A key was queued (or marked to run again while it runs). */
  added(): void;
  /** Keys waiting to run, including ones to run again once their current run ends. */
  depth(n: number): void;
  /** A key started running after waiting `seconds` since it was added. */
  waited(seconds: number): void;
  /** A run of the handler took `seconds`. */
  worked(seconds: number): void;
  /** A failed key was scheduled to run again after its back-off. */
  retried(): void;
}

export interface WorkQueueOptions {
  /** Distinct keys processed at the same time. Default 2 (the machine has two cores). */
  concurrency?: number;
  /** First retry delay. Default 5 ms. */
  baseDelayMs?: number;
  /** Longest retry delay. Default 60 s. */
  maxDelayMs?: number;
  timers?: QueueTimers;
  /** Called with every handler failure before the key is retried. */
  onError?: (key: string, err: unknown) => void;
  metrics?: WorkQueueMetrics;
}

export class WorkQueue {
  private readonly waiting: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; handle: unknown }>();
  private readonly idleWaiters: (() => void)[] = [];
  /** When each queued or dirty key was added (only with metrics). */
  private readonly addedAt = new Map<string, number>();
  private readonly concurrency: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timers: QueueTimers;
  private stopped = false;

  constructor(
    private readonly handler: (key: string) => Promise<void>,
    private readonly options: WorkQueueOptions = {},
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 2);
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.timers = options.timers ?? REAL_TIMERS;
  }

  /** Queues `key` now (deduplicated). */
  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      if (!this.dirty.has(key)) this.counted(key);
      this.dirty.add(key);
      this.reportDepth();
      return;
    }
    if (this.queued.has(key)) return;
    if (!this.dirty.has(key)) this.counted(key);
    this.queued.add(key);
    this.waiting.push(key);
    this.pump();
  }

  /** Queues `key` after `ms`; an earlier pending schedule for the key wins. */
  addAfter(key: string, ms: number, now = Date.now()): void {
    if (this.stopped) return;
    if (ms <= 0) return this.add(key);
    const at = now + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) this.timers.clearTimeout(pending.handle);
    const handle = this.timers.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, handle });
  }

  /** Queues `key` after its back-off delay and counts a failure. */
  addRateLimited(key: string): void {
    this.options.metrics?.retried();
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.addAfter(key, this.backoffMs(n));
  }

  /** The delay of the (n+1)th consecutive failure: base * 2^n, capped. */
  backoffMs(n: number): number {
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(n, 40));
  }

  /** Clears the failure count of `key` (done automatically after a successful run). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Consecutive failures of `key` so far. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Keys waiting to run now (not delayed, not running). */
  get length(): number {
    return this.waiting.length;
  }

  /** Resolves once nothing is waiting or running (delayed keys do not count). For tests. */
  idle(): Promise<void> {
    if (this.waiting.length === 0 && this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops everything queued and delayed, and waits for running handlers to finish. */
  async shutDown(): Promise<void> {
    this.stopped = true;
    for (const { handle } of this.delayed.values()) this.timers.clearTimeout(handle);
    this.delayed.clear();
    this.waiting.length = 0;
    this.queued.clear();
    this.dirty.clear();
    this.addedAt.clear();
    this.reportDepth();
    await this.idle();
  }

  private pump(): void {
    while (!this.stopped && this.processing.size < this.concurrency && this.waiting.length > 0) {
      const key = this.waiting.shift()!;
      this.queued.delete(key);
      this.processing.add(key);
      this.started(key);
      void this.run(key);
    }
    this.reportDepth();
    this.notifyIdle();
  }

  private async run(key: string): Promise<void> {
    const began = this.options.metrics ? performance.now() : 0;
    try {
      await this.handler(key);
      this.forget(key);
    } catch (err) {
      this.options.onError?.(key, err);
      if (!this.stopped) this.addRateLimited(key);
    } finally {
      this.options.metrics?.worked((performance.now() - began) / 1000);
      this.processing.delete(key);
      // A dirty key was counted (and timed) when it was marked; queue it without counting again.
      if (this.dirty.has(key)) {
        this.dirty.delete(key);
        if (!this.stopped && !this.queued.has(key)) {
          this.queued.add(key);
          this.waiting.push(key);
        }
      }
      this.pump();
    }
  }

  private counted(key: string): void {
    const m = this.options.metrics;
    if (!m) return;
    m.added();
    this.addedAt.set(key, performance.now());
  }

  private started(key: string): void {
    const m = this.options.metrics;
    if (!m) return;
    const at = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (at !== undefined) m.waited((performance.now() - at) / 1000);
  }

  private reportDepth(): void {
    this.options.metrics?.depth(this.waiting.length + this.dirty.size);
  }

  private notifyIdle(): void {
    if (this.waiting.length > 0 || this.processing.size > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
