// What the rest of the master sees of the election: whether this master leads, in which epoch,
// and a signal that fires the moment it stops leading. A narrow read-only view (STYLE: split
// interfaces by role); LeaderElection implements it.

import type { ElectionStatus } from "./machine";

/** One period of this master's leadership. */
export interface LeaderTerm {
  readonly identity: string;
  /**
   * The leader key's etcd create revision: strictly increasing over the cluster's leaders. The
   * dispatcher sends it to agents as `leader_epoch`, and agents obey only the highest they saw.
   */
  readonly epoch: number;
  /**
   * Aborted the moment this term ends (lease lost, key changed, shutdown), before any leader
   * component's stop() is called. Long operations should pass it on, e.g. to gRPC calls.
   */
  readonly signal: AbortSignal;
}

export interface Leadership {
  /** This master's name (its etcd member name). */
  readonly identity: string;
  /** The term in progress while this master leads; undefined otherwise. */
  currentTerm(): LeaderTerm | undefined;
  /** Shorthand for currentTerm()?.epoch. */
  epoch(): number | undefined;
  /** The election as it is now: who leads (as far as this master knows), and whether it is us. */
  status(): ElectionStatus;
  /** Called after every change of status(); returns the unsubscribe function. */
  subscribe(listener: (status: ElectionStatus) => void): () => void;
}

/** What the election drives while this master leads. */
export interface LeadershipHandler {
  /** Start leading. May still be running when stop() is called for the same term. */
  start(term: LeaderTerm): Promise<void>;
  /** Stop everything start() started; no writes may happen after it resolves. */
  stop(term: LeaderTerm, reason: string): Promise<void>;
}
