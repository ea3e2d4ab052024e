// Leader election as a deterministic state machine (STYLE.md: deterministic cores, I/O at the
// edge). Events go in (`handle`), actions come out; the machine reads time only through the
// injected clock and does no I/O. `LeaderElection` (election.ts) performs the actions against
// etcd and feeds the results back.
//
// The safety argument, which every rule below serves:
//
//   A leader's etcd lease expires no earlier than `leaseTtlMs` after etcd *received* the last
//   keepalive that succeeded, and etcd received it after we *sent* it. So if the leader steps
//   down `renewDeadlineMs` after sending the last keepalive that succeeded, its components are
//   told to stop while the lease still has at least `leaseTtlMs - renewDeadlineMs` to run, and
//   no other master can create the leader key (which is bound to the lease) until it expires.
//   That window is what components' stop() must fit in.
//
// Epoch: the leader key's etcd create revision. Every successful campaign creates the key anew,
// so epochs strictly increase across the cluster's leaders; agents fence stale leaders with it.

export interface ElectionTiming {
  /** TTL of the etcd lease the leader key is bound to. */
  leaseTtlMs: number;
  /** How often the leader sends a keepalive. */
  renewIntervalMs: number;
  /** The leader steps down when the last keepalive that succeeded was sent this long ago. */
  renewDeadlineMs: number;
  /** How often a follower re-reads the key (besides watching it), and the back-off after errors. */
  retryIntervalMs: number;
}

/** Pause between a failed keepalive and the next attempt (shorter for short leases: renewRetryMs). */
export const RENEW_RETRY_MS = 500;

/**
 * The pause after a failed keepalive: RENEW_RETRY_MS, but at most half the renew interval, so a
 * short lease (TTL 2 s: renew every 600 ms, deadline 1.4 s) still gets two more tries before its
 * deadline after one keepalive timed out.
 */
export function renewRetryMs(t: ElectionTiming): number {
  return Math.min(RENEW_RETRY_MS, Math.round(t.renewIntervalMs / 2));
}

export const DEFAULT_TIMING: ElectionTiming = {
  leaseTtlMs: 10_000,
  renewIntervalMs: 3_000,
  renewDeadlineMs: 7_000,
  retryIntervalMs: 2_000,
};

/** Timing for a given TTL, in the default proportions (renew every 30%, deadline at 70%). */
export function timingForTtl(leaseTtlSeconds: number): ElectionTiming {
  const ttl = leaseTtlSeconds * 1000;
  return { leaseTtlMs: ttl, renewIntervalMs: Math.round(ttl * 0.3), renewDeadlineMs: Math.round(ttl * 0.7), retryIntervalMs: Math.min(2000, Math.round(ttl * 0.2)) };
}

/** Why a timing cannot keep the guarantee above; empty when it can. */
export function timingProblems(t: ElectionTiming): string[] {
  const problems: string[] = [];
  if (t.leaseTtlMs < 2000 || t.leaseTtlMs % 1000 !== 0) problems.push(`lease TTL ${t.leaseTtlMs}ms must be whole seconds, at least 2 (etcd grants leases in seconds)`);
  if (!(t.renewIntervalMs > 0 && t.renewIntervalMs < t.renewDeadlineMs)) problems.push(`renew interval ${t.renewIntervalMs}ms must be positive and below the renew deadline ${t.renewDeadlineMs}ms`);
  if (!(t.renewDeadlineMs < t.leaseTtlMs)) problems.push(`renew deadline ${t.renewDeadlineMs}ms must be below the lease TTL ${t.leaseTtlMs}ms, leaving components time to stop`);
  if (!(t.retryIntervalMs > 0)) problems.push(`retry interval ${t.retryIntervalMs}ms must be positive`);
  return problems;
}

/** The content of the leader key as etcd holds it. */
export interface LeaderRecord {
  identity: string;
  /** The key's create revision. */
  epoch: number;
  /** The etcd lease the key is bound to (decimal string, as etcd3 reports it). */
  leaseId: string;
}

/** What the leader key looked like at etcd revision `revision`; `leader` undefined when absent. */
export interface Observation {
  leader: LeaderRecord | undefined;
  revision: number;
}

export type CampaignOutcome =
  /** We created the key. `sentAt`: our clock just before the lease grant was sent. */
  | { result: "won"; leaseId: string; epoch: number; sentAt: number }
  /** Someone (maybe an earlier incarnation of us) holds the key. */
  | { result: "held"; observation: Observation }
  | { result: "failed"; error: string };

export type RenewOutcome =
  /** `sentAt`: our clock just before the keepalive was sent. */
  | { result: "renewed"; sentAt: number }
  /** etcd says the lease no longer exists (expired or revoked). */
  | { result: "expired" }
  | { result: "failed"; error: string };

export type ElectionEvent =
  | { type: "start" }
  /** Time passed; the driver sends one at nextWakeAt() and may send more. */
  | { type: "tick" }
  | { type: "campaigned"; outcome: CampaignOutcome }
  | { type: "renewed"; leaseId: string; outcome: RenewOutcome }
  /** The watch on the leader key saw a change. */
  | { type: "observed"; observation: Observation }
  | { type: "components-started"; epoch: number }
  | { type: "components-stopped"; epoch: number }
  /** Give up leadership (e.g. a component failed to start); campaign again after retryInterval. */
  | { type: "resign"; reason: string }
  /** Stop for good: step down if leading, then release the lease. */
  | { type: "shutdown" };

export type ElectionAction =
  /** Read the key; if absent, grant a lease and create the key bound to it. First revoke `revokeStale`. */
  | { type: "campaign"; revokeStale?: string }
  | { type: "renew"; leaseId: string }
  | { type: "start-components"; epoch: number }
  /** Must be acted on at once: the guarantee above counts on it. */
  | { type: "stop-components"; epoch: number; reason: string }
  /** Make the leadership visible (the coordination.k8s.io Lease); `acquired` on a new term. */
  | { type: "publish"; epoch: number; acquired: boolean }
  /** Revoke our lease so the key disappears now instead of at expiry. */
  | { type: "release"; leaseId: string };

export type Phase =
  | "idle"
  | "following"
  /** Won; components starting. Counts as leading. */
  | "starting"
  | "leading"
  /** Lost or resigning; waiting for components to stop. */
  | "stepping-down"
  | "stopped";

export interface ElectionStatus {
  identity: string;
  phase: Phase;
  /** True while starting or leading. */
  isLeader: boolean;
  /** Our epoch while we lead. */
  epoch: number | undefined;
  /** The leader as last seen (us included); undefined when nobody holds the key. */
  leader: LeaderRecord | undefined;
  /** A campaign (read of the key, maybe an attempt to create it) is in flight. */
  campaigning: boolean;
}

interface Term {
  leaseId: string;
  epoch: number;
  /** Step down when the clock reaches this. */
  validUntil: number;
  nextRenewAt: number;
  renewInFlight: boolean;
}

export class ElectionMachine {
  private phase: Phase = "idle";
  private term: Term | undefined;
  /** The term whose components are being stopped, and what to do after. */
  private steppingDown: { epoch: number; leaseId: string; release: boolean; retryAt: "now" | "later" } | undefined;
  private observed: Observation | undefined;
  private campaignInFlight = false;
  private nextCampaignAt = 0;
  /** A stale lease of ours we already tried to revoke, so a failing revoke does not spin. */
  private revokedStale: string | undefined;
  private shuttingDown = false;

  constructor(
    readonly identity: string,
    readonly timing: ElectionTiming,
    private readonly now: () => number,
  ) {
    const problems = timingProblems(timing);
    if (problems.length > 0) throw new Error(`leader election timing: ${problems.join("; ")}`);
  }

  status(): ElectionStatus {
    const isLeader = this.phase === "starting" || this.phase === "leading";
    return { identity: this.identity, phase: this.phase, isLeader, epoch: isLeader ? this.term?.epoch : undefined, leader: this.observed?.leader, campaigning: this.campaignInFlight };
  }

  /** When the machine next needs a tick; undefined when only events can move it. */
  nextWakeAt(): number | undefined {
    const times: number[] = [];
    if (this.term && (this.phase === "starting" || this.phase === "leading")) {
      times.push(this.term.validUntil);
      if (!this.term.renewInFlight) times.push(this.term.nextRenewAt);
    }
    if (this.phase === "following" && !this.campaignInFlight) times.push(this.nextCampaignAt);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  handle(event: ElectionEvent): ElectionAction[] {
    const actions: ElectionAction[] = [];
    switch (event.type) {
      case "start":
        if (this.phase === "idle") {
          this.phase = "following";
          this.nextCampaignAt = this.now();
        }
        break;
      case "tick":
        break;
      case "campaigned":
        this.onCampaigned(event.outcome, actions);
        break;
      case "renewed":
        this.onRenewed(event.leaseId, event.outcome, actions);
        break;
      case "observed":
        this.onObserved(event.observation, actions);
        break;
      case "components-started":
        if (this.phase === "starting" && this.term?.epoch === event.epoch) this.phase = "leading";
        break;
      case "components-stopped":
        this.onComponentsStopped(event.epoch, actions);
        break;
      case "resign":
        this.stepDown(event.reason, { release: true, retryAt: "later" }, actions);
        break;
      case "shutdown":
        this.shuttingDown = true;
        if (this.phase === "starting" || this.phase === "leading") this.stepDown("shutting down", { release: true, retryAt: "later" }, actions);
        else if (this.phase === "idle" || this.phase === "following") this.phase = "stopped";
        // stepping-down: components-stopped sees shuttingDown.
        break;
    }
    this.evaluate(actions);
    return actions;
  }

  private onCampaigned(outcome: CampaignOutcome, actions: ElectionAction[]): void {
    this.campaignInFlight = false;
    if (this.phase !== "following") {
      // Shut down (or otherwise moved on) while campaigning: a won key must not linger.
      if (outcome.result === "won") actions.push({ type: "release", leaseId: outcome.leaseId });
      return;
    }
    switch (outcome.result) {
      case "won":
        this.revokedStale = undefined;
        this.observe({ leader: { identity: this.identity, epoch: outcome.epoch, leaseId: outcome.leaseId }, revision: outcome.epoch });
        this.term = {
          leaseId: outcome.leaseId,
          epoch: outcome.epoch,
          validUntil: outcome.sentAt + this.timing.renewDeadlineMs,
          nextRenewAt: outcome.sentAt + this.timing.renewIntervalMs,
          renewInFlight: false,
        };
        this.phase = "starting";
        actions.push({ type: "start-components", epoch: outcome.epoch }, { type: "publish", epoch: outcome.epoch, acquired: true });
        return;
      case "held": {
        this.observe(outcome.observation);
        const holder = outcome.observation.leader;
        // The key names us but we are not leading: it is a lease from before a restart or a
        // step-down, and our components are stopped, so nobody acts on it. Revoke it and retry
        // now rather than wait out its TTL. (Relies on master names being unique.)
        if (holder?.identity === this.identity && holder.leaseId !== this.revokedStale) {
          this.revokedStale = holder.leaseId;
          this.campaignInFlight = true;
          actions.push({ type: "campaign", revokeStale: holder.leaseId });
          return;
        }
        this.nextCampaignAt = holder === undefined ? this.now() : this.now() + this.timing.retryIntervalMs;
        return;
      }
      case "failed":
        this.nextCampaignAt = this.now() + this.timing.retryIntervalMs;
        return;
    }
  }

  private onRenewed(leaseId: string, outcome: RenewOutcome, actions: ElectionAction[]): void {
    const term = this.term;
    if (!term || term.leaseId !== leaseId || (this.phase !== "starting" && this.phase !== "leading")) return;
    term.renewInFlight = false;
    switch (outcome.result) {
      case "renewed":
        term.validUntil = Math.max(term.validUntil, outcome.sentAt + this.timing.renewDeadlineMs);
        term.nextRenewAt = outcome.sentAt + this.timing.renewIntervalMs;
        if (this.phase === "leading") actions.push({ type: "publish", epoch: term.epoch, acquired: false });
        return;
      case "expired":
        this.stepDown("the lease expired or was revoked in etcd", { release: false, retryAt: "now" }, actions);
        return;
      case "failed":
        // Retry soon (maybe another member answers); validUntil bounds how long we keep trying.
        term.nextRenewAt = this.now() + renewRetryMs(this.timing);
        return;
    }
  }

  private onObserved(observation: Observation, actions: ElectionAction[]): void {
    if (!this.observe(observation)) return;
    const leader = observation.leader;
    if (this.term && (this.phase === "starting" || this.phase === "leading")) {
      if (leader === undefined) this.stepDown("the leader key was deleted", { release: false, retryAt: "now" }, actions);
      else if (leader.epoch !== this.term.epoch) this.stepDown(`the leader key now belongs to ${leader.identity} (epoch ${leader.epoch})`, { release: false, retryAt: "now" }, actions);
      return;
    }
    if (this.phase === "following" && leader === undefined) this.nextCampaignAt = this.now();
  }

  /** Records an observation unless an equally new or newer one is known; true if recorded. */
  private observe(observation: Observation): boolean {
    if (this.observed && observation.revision < this.observed.revision) return false;
    this.observed = observation;
    return true;
  }

  private stepDown(reason: string, after: { release: boolean; retryAt: "now" | "later" }, actions: ElectionAction[]): void {
    const term = this.term;
    if (!term) return;
    this.term = undefined;
    this.phase = "stepping-down";
    this.steppingDown = { epoch: term.epoch, leaseId: term.leaseId, ...after };
    actions.push({ type: "stop-components", epoch: term.epoch, reason });
  }

  private onComponentsStopped(epoch: number, actions: ElectionAction[]): void {
    const done = this.steppingDown;
    if (this.phase !== "stepping-down" || !done || done.epoch !== epoch) return;
    this.steppingDown = undefined;
    if (done.release || this.shuttingDown) actions.push({ type: "release", leaseId: done.leaseId });
    if (this.shuttingDown) {
      this.phase = "stopped";
      return;
    }
    this.phase = "following";
    this.nextCampaignAt = done.retryAt === "now" ? this.now() : this.now() + this.timing.retryIntervalMs;
  }

  /** Deadlines: step down, renew, campaign. */
  private evaluate(actions: ElectionAction[]): void {
    const now = this.now();
    const term = this.term;
    if (term && (this.phase === "starting" || this.phase === "leading")) {
      if (now >= term.validUntil) {
        this.stepDown(`no keepalive succeeded within ${this.timing.renewDeadlineMs}ms`, { release: false, retryAt: "now" }, actions);
      } else if (!term.renewInFlight && now >= term.nextRenewAt) {
        term.renewInFlight = true;
        actions.push({ type: "renew", leaseId: term.leaseId });
      }
    }
    if (this.phase === "following" && !this.campaignInFlight && now >= this.nextCampaignAt) {
      this.campaignInFlight = true;
      actions.push({ type: "campaign" });
    }
  }
}
