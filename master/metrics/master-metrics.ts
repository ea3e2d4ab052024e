// One master's metrics, in one prom-client Registry of its own (never the global default), so
// several masters in one test process do not clash: the API server's requests, etcd calls, the
// leader election, the leader's scheduler and controllers' work queues, and (for a real master
// process) Node's default process metrics. Served as Prometheus text at /metrics on every master.

import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { EtcdMetrics } from "./etcd-metrics";
import { ApiRequestMetrics } from "./request-metrics";
import { SchedulerMetricFamilies } from "./scheduler-metrics";
import { WorkQueueMetricFamilies } from "./workqueue-metrics";

export class MasterMetrics {
  readonly registry = new Registry();
  readonly requests = new ApiRequestMetrics(this.registry);
  readonly etcd = new EtcdMetrics(this.registry);
  readonly scheduler = new SchedulerMetricFamilies(this.registry);
  readonly workqueues = new WorkQueueMetricFamilies(this.registry);
  private readonly leader = new Gauge({
    name: "leader_election_master_status",
    help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease.",
    labelNames: ["name"],
    registers: [this.registry],
  });
  private processMetrics = false;

  /** Node's process metrics (CPU, memory, heap, event loop lag, ...), once per registry. */
  collectProcessMetrics(): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    collectDefaultMetrics({ register: this.registry });
  }

  /** 1 while this master holds the lease `name`, else 0. */
  setLeader(name: string, leading: boolean): void {
    this.leader.set({ name }, leading ? 1 : 0);
  }

  /** The exposition text and its content type. */
  async expose(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
