// Runs the leader components (leader-components.ts) for each term: starts them in order when
// this master wins, stops what was started, in reverse, when it loses. A loss during start stops
// the remaining starts: the components not yet started are skipped, the one starting is awaited
// (a promise cannot be cancelled) and then stopped with the rest.

import type { LeaderComponent } from "../component";
import type { Logger } from "../log";
import type { LeaderTerm, LeadershipHandler } from "./leadership";

export class ComponentRunner implements LeadershipHandler {
  private started: LeaderComponent[] = [];
  private starting: Promise<void> = Promise.resolve();
  private built: readonly LeaderComponent[] | undefined;

  /**
   * `components`: the list, or a function building it, called once at the first term (so the
   * components may depend on the election that drives this runner). Components are reused by
   * later terms: each must be restartable (component.ts).
   */
  constructor(
    private readonly components: readonly LeaderComponent[] | (() => readonly LeaderComponent[]),
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(term: LeaderTerm): Promise<void> {
    const run = async () => {
      const t0 = this.now();
      this.built ??= typeof this.components === "function" ? this.components() : this.components;
      // Where a takeover's time goes: each component's start, in start order.
      const startMs: Record<string, number> = {};
      for (const c of this.built) {
        if (term.signal.aborted) return;
        this.started.push(c);
        const t = this.now();
        await c.start();
        startMs[c.name] = Math.round(this.now() - t);
      }
      this.log.info({ epoch: term.epoch, startMs, ms: Math.round(this.now() - t0) }, "leader components started");
    };
    this.starting = run();
    return this.starting;
  }

  async stop(term: LeaderTerm, reason: string): Promise<void> {
    await this.starting.catch(() => {});
    const t0 = this.now();
    const started = this.started.reverse();
    this.started = [];
    for (const c of started) {
      try {
        await c.stop();
      } catch (err) {
        this.log.error({ err, component: c.name, epoch: term.epoch }, "leader component failed to stop");
      }
    }
    this.log.warn({ epoch: term.epoch, reason, ms: this.now() - t0 }, "leader components stopped");
  }
}
