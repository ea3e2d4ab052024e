// Batched writes: many reports about one key between two flushes become one write of the
// latest (merged) value. A flush runs every `intervalMs` while anything is pending, with at
// most `concurrency` writes in flight; flushes run one after another, so one key is never
// written twice at once and values arriving during a flush wait for the next. A write that
// throws is retried (up to `maxAttempts`), merged with anything newer that arrived meanwhile.
//
// This is how pod and node status reach etcd: a node reporting 100 pod changes in a burst
// costs one write per pod, spread over bounded concurrency, instead of a write per report.

export interface CoalescingWriterOptions<K, V> {
  intervalMs: number;
  concurrency: number;
  write(key: K, value: V): Promise<void>;
  /** How a newer value combines with one still pending; default: the newer replaces it. */
  merge?(older: V, newer: V): V;
  maxAttempts?: number;
  /** A write failed for good (attempts exhausted). */
  onError?(key: K, err: unknown): void;
}

interface Pending<V> {
  value: V;
  attempts: number;
}

export class CoalescingWriter<K, V> {
  private readonly pending = new Map<K, Pending<V>>();
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private stopped = false;

  constructor(private readonly options: CoalescingWriterOptions<K, V>) {}

  get size(): number {
    return this.pending.size;
  }

  put(key: K, value: V): void {
    if (this.stopped) return;
    const old = this.pending.get(key);
    const merged = old && this.options.merge ? this.options.merge(old.value, value) : value;
    this.pending.set(key, { value: merged, attempts: 0 });
    this.schedule();
  }

  /** Writes everything pending now (after any flush in progress); resolves when done. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const run = (this.flushing ?? Promise.resolve()).then(() => this.runFlush());
    this.flushing = run;
    try {
      await run;
    } finally {
      if (this.flushing === run) this.flushing = undefined;
      if (this.pending.size > 0) this.schedule();
    }
  }

  /** Drops what is pending and waits for writes in flight; no write starts afterwards. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
    await this.flushing;
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.options.intervalMs);
  }

  private async runFlush(): Promise<void> {
    const batch = [...this.pending];
    this.pending.clear();
    let next = 0;
    const worker = async () => {
      while (next < batch.length && !this.stopped) {
        const [key, p] = batch[next++];
        try {
          await this.options.write(key, p.value);
        } catch (err) {
          const attempts = p.attempts + 1;
          const newer = this.pending.get(key);
          if (this.stopped) {
            // Dropped with everything else.
          } else if (newer) {
            // A newer value arrived meanwhile; it carries (or merges in) what failed.
            if (this.options.merge) newer.value = this.options.merge(p.value, newer.value);
          } else if (attempts < (this.options.maxAttempts ?? 5)) {
            this.pending.set(key, { value: p.value, attempts });
          } else {
            this.options.onError?.(key, err);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, batch.length) }, worker));
  }
}
