// Bounded parallelism for the heavy steps of starting pods: sandbox set-up (unshare, nsenter),
// container creation (overlay mount, conmon, `runc create`) and `runc start`. Each step is a few
// processes' worth of CPU, and the node has few cores.
//
// Without a bound, a batch of pods moves in lock-step: every pod's sandbox is set up, then
// every pod's container created, then every one started, so each pod waits for the whole batch
// and none runs before nearly all do (49 pods on 2 cores: the first ran after ~2.5 s, the last
// after ~3.9 s). With a few slots and later steps first, pods flow through one after another:
// the first runs after well under a second, and the batch as a whole finishes sooner too.
//
// Later steps win over earlier ones (start > create > sandbox), first come first served within a
// step. A step holds its slot only while it runs; nothing waits inside one for another step, so
// slots cannot deadlock. Stops, removals, probes and pulls do not take slots: they must not queue
// behind a batch of starts (a stop may take a whole grace period).

export type StartStep = "sandbox" | "create" | "start";

const priority: Record<StartStep, number> = { sandbox: 0, create: 1, start: 2 };

/**
 * Four per core, at most 16. The steps spend much of their time waiting for child processes
 * (conmon's double fork, runc's init handshake), so more steps than cores overlap usefully:
 * 49 pods on 2 cores ran in 3.4-3.7 s with 8 slots, 3.9-4.1 s with 4 (first pod after 0.3 s
 * instead of 0.7 s; median pod the same) and 3.0-3.3 s with 16 (first pod after 1-1.2 s).
 */
export function defaultStartSlots(cpus: number): number {
  return Math.min(16, Math.max(4, 4 * cpus));
}

export class StartSlots {
  private running = 0;
  /** Waiters per step, each served first in, first out. */
  private readonly waiting: Array<Array<() => void>> = [[], [], []];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`start slots: the limit must be a positive integer, not ${limit}`);
  }

  async run<T>(step: StartStep, fn: () => Promise<T>): Promise<T> {
    await this.acquire(priority[step]);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Steps waiting for a slot (for tests and diagnostics). */
  get queued(): number {
    return this.waiting.reduce((n, q) => n + q.length, 0);
  }

  private acquire(p: number): Promise<void> {
    if (this.running < this.limit) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting[p].push(resolve));
  }

  private release(): void {
    for (let p = this.waiting.length - 1; p >= 0; p--) {
      const next = this.waiting[p].shift();
      if (next) {
        next(); // the slot passes straight on: `running` stays the same
        return;
      }
    }
    this.running--;
  }
}
