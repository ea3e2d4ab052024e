// kube-scheduler's metrics for the leader's scheduler (master/scheduler reports to a
// SchedulingMetrics): attempts by result, their duration, and the pending pods per queue, read
// from the running scheduler when scraped (a master that is not leading has no samples).

import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { SchedulingMetrics, SchedulingResult } from "../scheduler/types";

/** kube-scheduler's buckets: 1 ms doubling, 15 of them (to ~16 s). */
const BUCKETS = Array.from({ length: 15 }, (_, i) => 0.001 * 2 ** i);

export type PendingPods = Partial<Record<"active" | "backoff" | "unschedulable" | "gated", number>>;

export class SchedulerMetricFamilies implements SchedulingMetrics {
  private readonly attempts: Counter<"result" | "profile">;
  private readonly duration: Histogram<"result" | "profile">;
  private pending: (() => PendingPods) | undefined;

  constructor(registry: Registry) {
    const registers = [registry];
    this.attempts = new Counter({ name: "scheduler_schedule_attempts_total", help: "Number of attempts to schedule pods, by the result. 'unschedulable' means a pod could not be scheduled, while 'error' means an internal scheduler problem.", labelNames: ["result", "profile"], registers });
    this.duration = new Histogram({ name: "scheduler_scheduling_attempt_duration_seconds", help: "Scheduling attempt latency in seconds (scheduling algorithm + binding)", labelNames: ["result", "profile"], buckets: BUCKETS, registers });
    const pending = () => this.pending?.();
    new Gauge({
      name: "scheduler_pending_pods",
      help: "Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods that the scheduler attempted to schedule and failed; 'gated' is the number of unschedulable pods that the scheduler never attempted to schedule because they are gated.",
      labelNames: ["queue"],
      registers,
      collect() {
        this.reset();
        const counts = pending();
        if (counts) for (const [queue, n] of Object.entries(counts)) this.set({ queue }, n);
      },
    });
  }

  attempt(result: SchedulingResult, profile: string, seconds: number): void {
    this.attempts.inc({ result, profile });
    this.duration.observe({ result, profile }, seconds);
  }

  /** Where scheduler_pending_pods reads from while a scheduler runs; undefined when it stops. */
  pendingFrom(source: (() => PendingPods) | undefined): void {
    this.pending = source;
  }
}
