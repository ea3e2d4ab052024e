// client-go's workqueue metrics for the controllers' queues (master/controllers/
// controller-utils-queue.ts reports to a WorkQueueMetrics): depth, adds, time waiting in the
// queue, time being processed, retries, labelled with the queue's name.

import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { WorkQueueMetrics } from "../controllers/controller-utils-queue";

/** client-go's buckets: 10 ns to 10 s, by tens. */
const BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10];

export class WorkQueueMetricFamilies {
  private readonly depth: Gauge<"name">;
  private readonly adds: Counter<"name">;
  private readonly queueDuration: Histogram<"name">;
  private readonly workDuration: Histogram<"name">;
  private readonly retries: Counter<"name">;

  constructor(registry: Registry) {
    const registers = [registry];
    this.depth = new Gauge({ name: "workqueue_depth", help: "Current depth of workqueue", labelNames: ["name"], registers });
    this.adds = new Counter({ name: "workqueue_adds_total", help: "Total number of adds handled by workqueue", labelNames: ["name"], registers });
    this.queueDuration = new Histogram({ name: "workqueue_queue_duration_seconds", help: "How long in seconds an item stays in workqueue before being requested.", labelNames: ["name"], buckets: BUCKETS, registers });
    this.workDuration = new Histogram({ name: "workqueue_work_duration_seconds", help: "How long in seconds processing an item from workqueue takes.", labelNames: ["name"], buckets: BUCKETS, registers });
    this.retries = new Counter({ name: "workqueue_retries_total", help: "Total number of retries handled by workqueue", labelNames: ["name"], registers });
  }

  /** The metrics of the queue called `name` (one per controller; a new term reuses them). */
  queue(name: string): WorkQueueMetrics {
    const labels = { name };
    return {
      added: () => this.adds.inc(labels),
      depth: (n) => this.depth.set(labels, n),
      waited: (seconds) => this.queueDuration.observe(labels, seconds),
      worked: (seconds) => this.workDuration.observe(labels, seconds),
      retried: () => this.retries.inc(labels),
    };
  }
}
