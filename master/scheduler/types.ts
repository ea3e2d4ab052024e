// The scheduler framework's contracts. A scheduling cycle asks every FilterPlugin whether a pod
// may run on a node, then every ScorePlugin how good each remaining node is. Plugins are pure:
// they read a PodInfo and a NodeInfo (a snapshot, never the live cache) and return data, never
// throw for an expected outcome, and do no I/O.
//
// Worked example: pod web-1 requests cpu 500m. On node-a (4 cpu, 3.8 used) NodeResourcesFit says
// Unschedulable("Insufficient cpu"); on node-b (4 cpu, 1 used) it says Success and the
// MostAllocated scorer gives node-b 37.5 for cpu. The pipeline counts "Insufficient cpu" once for
// node-a, which is what the user later reads in `0/2 nodes are available: 1 Insufficient cpu.`

import type { NodeInfo } from "./node-info";
import type { PodInfo } from "./pod-info";

/**
 * A filter's verdict on one node.
 *  - Success: the pod may run there.
 *  - Unschedulable: it may not; `reasons` are the user-facing texts counted in the FitError
 *    message. `resolvable` says whether evicting lower-priority pods could change the verdict
 *    (Kubernetes' Unschedulable vs UnschedulableAndUnresolvable): resources and host ports are
 *    resolvable, labels, taints and cordons are not.
 *  - Error: the plugin could not decide (a bug or corrupt input); the cycle is aborted and the
 *    pod retried with back-off.
 */
export type Status =
  | { readonly code: "Success" }
  | { readonly code: "Unschedulable"; readonly reasons: readonly string[]; readonly resolvable: boolean }
  | { readonly code: "Error"; readonly message: string };

export type UnschedulableStatus = Extract<Status, { code: "Unschedulable" }>;

const SUCCESS: Status = Object.freeze({ code: "Success" });

export const Status = {
  success(): Status {
    return SUCCESS;
  },
  /** Rejected for a reason that preemption could resolve (resources, ports). */
  unschedulable(...reasons: string[]): Status {
    return { code: "Unschedulable", reasons, resolvable: true };
  },
  /** Rejected for a reason no eviction changes (labels, taints, cordon, node name). */
  unresolvable(...reasons: string[]): Status {
    return { code: "Unschedulable", reasons, resolvable: false };
  },
  error(message: string): Status {
    return { code: "Error", message };
  },
};

export interface FilterPlugin {
  readonly name: string;
  filter(pod: PodInfo, node: NodeInfo): Status;
}

/** Highest score a ScorePlugin may return; scores are 0..MAX_NODE_SCORE (fractions allowed). */
export const MAX_NODE_SCORE = 100;

export interface ScorePlugin {
  readonly name: string;
  /** Only called for nodes every filter accepted. Weight 1 unless the plugin says otherwise. */
  readonly weight?: number;
  score(pod: PodInfo, node: NodeInfo): number;
}

export type ScoringStrategy = "most-allocated" | "least-allocated";

/** The scheduler's configuration object (what `createScheduler` takes). */
export interface SchedulerOptions {
  /** Pods whose spec.schedulerName is this (or unset, for the default) are ours. */
  schedulerName: string;
  /** `most-allocated` (bin-packing, default) or `least-allocated` (spread). */
  scoring: ScoringStrategy;
  /** Binds written per etcd transaction (etcd allows 128 operations per transaction). */
  bindBatchSize: number;
  /** A partly filled batch is written after this long. */
  bindFlushMs: number;
  /** Bind transactions in flight at once. */
  bindConcurrency: number;
  /** First retry delay after a failed attempt; doubles per attempt up to maxBackoffMs. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Unschedulable pods are retried at least this often even when nothing changed. */
  unschedulableFlushMs: number;
  /** Longest a scheduling burst keeps the event loop before yielding to I/O. */
  burstMs: number;
  /**
   * `Scheduled` events aggregate across pods once 10 came with no gap longer than this
   * (client-go's event correlator uses 10 minutes per object; a short window keeps a pod
   * scheduled on its own showing its own event, while a burst aggregates).
   */
  eventAggregationWindowMs: number;
}

export const DEFAULT_OPTIONS: Readonly<SchedulerOptions> = Object.freeze({
  schedulerName: "default-scheduler",
  scoring: "most-allocated",
  bindBatchSize: 100,
  bindFlushMs: 10,
  bindConcurrency: 4,
  initialBackoffMs: 1000,
  maxBackoffMs: 10_000,
  unschedulableFlushMs: 60_000,
  burstMs: 20,
  eventAggregationWindowMs: 10_000,
});

/** How a scheduling attempt ended, in kube-scheduler's metric words. */
export type SchedulingResult = "scheduled" | "unschedulable" | "error";

/** Where the scheduler reports attempts and its queue (master/metrics/scheduler-metrics.ts). */
export interface SchedulingMetrics {
  /** One attempt, from its cycle's start to its end (for a scheduled pod: its binding written). */
  attempt(result: SchedulingResult, profile: string, seconds: number): void;
  /** What scheduler_pending_pods reads while this scheduler runs; undefined once it stopped. */
  pendingFrom(source: (() => Partial<Record<"active" | "backoff" | "unschedulable" | "gated", number>>) | undefined): void;
}
