// LeaderElection: the I/O shell around ElectionMachine. It feeds the machine events (timer
// ticks, etcd results, watch changes, component start/stop completions) and performs the
// actions it returns. All decisions are in machine.ts; this file only moves data.

import type { Logger } from "../log";
import type { ElectionBackend } from "./etcd-backend";
import type { LeaderTerm, Leadership, LeadershipHandler } from "./leadership";
import { DEFAULT_TIMING, ElectionMachine, type ElectionAction, type ElectionEvent, type ElectionStatus, type ElectionTiming } from "./machine";

export interface LeaderElectionOptions {
  /** This master's name; unique among the masters. */
  identity: string;
  backend: ElectionBackend;
  /** What runs while this master leads (normally a ComponentRunner). */
  handler: LeadershipHandler;
  /** Makes each term visible (normally the Lease publisher); failures are its own business. */
  publish?: (epoch: number, acquired: boolean) => void;
  timing?: ElectionTiming;
  /** Monotonic milliseconds; the backend must use the same clock. Default performance.now. */
  clock?: () => number;
  log: Logger;
}

interface Term extends LeaderTerm {
  readonly controller: AbortController;
}

/** How long stop() waits for in-flight etcd calls (e.g. a campaign whose win must be released). */
const SHUTDOWN_GRACE_MS = 5000;

export class LeaderElection implements Leadership {
  readonly identity: string;
  private readonly machine: ElectionMachine;
  private readonly clock: () => number;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private term: Term | undefined;
  private watch: { close(): Promise<void> } | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly listeners = new Set<(status: ElectionStatus) => void>();
  private lastStatus: string = "";
  private firstOutcome: (() => void) | undefined;
  private stopped: (() => void) | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: LeaderElectionOptions) {
    this.identity = options.identity;
    this.clock = options.clock ?? (() => performance.now());
    this.machine = new ElectionMachine(options.identity, options.timing ?? DEFAULT_TIMING, this.clock);
    this.log = options.log.child({ component: "leader-election" });
  }

  get timing(): ElectionTiming {
    return this.machine.timing;
  }

  /**
   * Starts watching the leader key and campaigning. Resolves after the first campaign settles:
   * with this master leading (components started) if it won, else following.
   */
  async start(): Promise<void> {
    try {
      this.watch = await this.options.backend.watch(
        (observation) => this.dispatch({ type: "observed", observation }),
        (err) => this.log.warn({ err }, "watch of the leader key failed; polling continues"),
      );
    } catch (err) {
      // Followers also re-read the key every retry interval, so a missing watch only slows takeover.
      this.log.warn({ err }, "could not watch the leader key; relying on polling");
    }
    const settled = new Promise<void>((resolve) => (this.firstOutcome = resolve));
    this.dispatch({ type: "start" });
    await settled;
  }

  /** Steps down if leading (components stopped, lease revoked so a successor need not wait). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const done = new Promise<void>((resolve) => (this.stopped = resolve));
      this.dispatch({ type: "shutdown" });
      await done;
      await Promise.race([Promise.allSettled([...this.inFlight]), sleep(SHUTDOWN_GRACE_MS)]);
      clearTimeout(this.timer);
      this.timer = undefined;
      await this.watch?.close().catch(() => {});
      this.firstOutcome?.();
    })();
    return this.stopping;
  }

  status(): ElectionStatus {
    return this.machine.status();
  }

  currentTerm(): LeaderTerm | undefined {
    return this.term && !this.term.signal.aborted ? this.term : undefined;
  }

  epoch(): number | undefined {
    return this.currentTerm()?.epoch;
  }

  subscribe(listener: (status: ElectionStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private dispatch(event: ElectionEvent): void {
    let actions: ElectionAction[];
    try {
      actions = this.machine.handle(event);
    } catch (err) {
      this.log.error({ err, event: event.type }, "leader election state machine failed");
      return;
    }
    for (const action of actions) this.perform(action);
    this.afterDispatch(event);
  }

  private afterDispatch(event: ElectionEvent): void {
    const status = this.machine.status();
    clearTimeout(this.timer);
    this.timer = undefined;
    const at = this.machine.nextWakeAt();
    if (at !== undefined && status.phase !== "stopped") this.timer = setTimeout(() => this.dispatch({ type: "tick" }), Math.max(0, at - this.clock()));

    const key = JSON.stringify([status.phase, status.epoch, status.leader?.identity, status.leader?.epoch]);
    if (key !== this.lastStatus) {
      this.lastStatus = key;
      this.log.info({ phase: status.phase, leader: status.leader?.identity ?? null, leaderEpoch: status.leader?.epoch ?? null }, "leader election status");
      for (const listener of this.listeners) {
        try {
          listener(status);
        } catch (err) {
          this.log.error({ err }, "leadership listener failed");
        }
      }
    }
    if (this.firstOutcome && (status.phase === "leading" || status.phase === "stopped" || (status.phase === "following" && event.type === "campaigned" && !status.campaigning))) {
      this.firstOutcome();
      this.firstOutcome = undefined;
    }
    if (status.phase === "stopped" && this.stopped) {
      this.stopped();
      this.stopped = undefined;
    }
  }

  private perform(action: ElectionAction): void {
    const { backend, handler } = this.options;
    const timing = this.machine.timing;
    switch (action.type) {
      case "campaign":
        this.track(backend.campaign(this.identity, timing.leaseTtlMs / 1000, action.revokeStale).then((outcome) => {
          if (outcome.result === "failed") this.log.warn({ outcome }, "campaign did not succeed; retrying");
          this.dispatch({ type: "campaigned", outcome });
        }));
        return;
      case "renew":
        // Half the interval: a member that does not answer leaves time to try another before the deadline.
        this.track(backend.renew(action.leaseId, timing.renewIntervalMs / 2).then((outcome) => {
          if (outcome.result !== "renewed") this.log.warn({ outcome }, "lease keepalive did not succeed");
          this.dispatch({ type: "renewed", leaseId: action.leaseId, outcome });
        }));
        return;
      case "start-components": {
        const controller = new AbortController();
        const term: Term = { identity: this.identity, epoch: action.epoch, controller, signal: controller.signal };
        this.term = term;
        this.log.info({ epoch: action.epoch }, "became leader; starting leader components");
        this.track(
          handler.start(term).then(
            () => this.dispatch({ type: "components-started", epoch: action.epoch }),
            (err: unknown) => {
              this.log.error({ err, epoch: action.epoch }, "a leader component failed to start; resigning leadership");
              this.dispatch({ type: "resign", reason: `a leader component failed to start: ${err instanceof Error ? err.message : String(err)}` });
            },
          ),
        );
        return;
      }
      case "stop-components": {
        const term = this.term;
        if (!term || term.epoch !== action.epoch) {
          queueMicrotask(() => this.dispatch({ type: "components-stopped", epoch: action.epoch }));
          return;
        }
        // Abort first, synchronously: in-flight work sees it before any stop() runs.
        term.controller.abort(new Error(`leadership lost: ${action.reason}`));
        this.term = undefined;
        this.log.warn({ epoch: action.epoch, reason: action.reason }, "stepping down; stopping leader components");
        this.track(handler.stop(term, action.reason).finally(() => this.dispatch({ type: "components-stopped", epoch: action.epoch })));
        return;
      }
      case "publish":
        this.options.publish?.(action.epoch, action.acquired);
        return;
      case "release":
        this.track(backend.release(action.leaseId).catch((err: unknown) => this.log.warn({ err, leaseId: action.leaseId }, "could not revoke the leader lease; it expires on its own")));
        return;
    }
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((err: unknown) => this.log.error({ err }, "leader election step failed"));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
