// The agent's metrics, with the kubelet's names where the kubelet has one, in a prom-client
// Registry per agent (several agents may share a test process), plus Node's process metrics.
// Served through the GetMetrics RPC, which the API's nodes/<node>/proxy/metrics calls, as a
// kubelet's /metrics is reached through the API.
//
//   kubelet_running_pods, kubelet_running_containers{container_state}   read when scraped
//   kubelet_pod_start_duration_seconds        first seen → first Running, once per pod
//   kubelet_runtime_operations_total / _duration_seconds / _errors_total{operation_type}
//                                             every runtime call (metered-runtime.ts), sandbox
//                                             set-up/teardown and image status/pull
//   kubelet_image_pull_duration_seconds       successful pulls (no image_size_in_bytes label)
//   kubelet_image_pulls_total{result}         Gantry's own: pulls by "success" / "failure"

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** The kubelet's runtime_operations buckets: 5 ms × 2.5ⁿ, 14 of them. */
const OPERATION_BUCKETS = Array.from({ length: 14 }, (_, i) => 0.005 * 2.5 ** i);
const POD_START_BUCKETS = [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600];
const IMAGE_PULL_BUCKETS = [0.5, 1, 5, 10, 20, 30, 60, 120, 180, 240, 300, 600, 900, 1200, 1800, 2700, 3600];

export type ContainerStateLabel = "created" | "running" | "exited" | "unknown";

/** What the scrape-time gauges read from the agent. */
export interface AgentMetricSources {
  runningPods(): number;
  containersByState(): Partial<Record<ContainerStateLabel, number>>;
}

export class AgentMetrics {
  readonly registry = new Registry();
  private readonly operations: Counter<"operation_type">;
  private readonly operationErrors: Counter<"operation_type">;
  private readonly operationDuration: Histogram<"operation_type">;
  private readonly podStart: Histogram;
  private readonly imagePull: Histogram;
  private readonly imagePulls: Counter<"result">;
  private sources: AgentMetricSources | undefined;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.operations = new Counter({ name: "kubelet_runtime_operations_total", help: "Cumulative number of runtime operations by operation type.", labelNames: ["operation_type"], registers });
    this.operationErrors = new Counter({ name: "kubelet_runtime_operations_errors_total", help: "Cumulative number of runtime operation errors by operation type.", labelNames: ["operation_type"], registers });
    this.operationDuration = new Histogram({ name: "kubelet_runtime_operations_duration_seconds", help: "Duration in seconds of runtime operations. Broken down by operation type.", labelNames: ["operation_type"], buckets: OPERATION_BUCKETS, registers });
    this.podStart = new Histogram({ name: "kubelet_pod_start_duration_seconds", help: "Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run", buckets: POD_START_BUCKETS, registers });
    this.imagePull = new Histogram({ name: "kubelet_image_pull_duration_seconds", help: "Duration in seconds to pull an image.", buckets: IMAGE_PULL_BUCKETS, registers });
    this.imagePulls = new Counter({ name: "kubelet_image_pulls_total", help: "Image pulls by result (success or failure). Gantry's own; the kubelet has no such counter.", labelNames: ["result"], registers });
    const sources = () => this.sources;
    new Gauge({
      name: "kubelet_running_pods",
      help: "Number of pods that have a running pod sandbox",
      registers,
      collect() {
        this.set(sources()?.runningPods() ?? 0);
      },
    });
    new Gauge({
      name: "kubelet_running_containers",
      help: "Number of containers currently running",
      labelNames: ["container_state"],
      registers,
      collect() {
        this.reset();
        for (const [state, n] of Object.entries(sources()?.containersByState() ?? {})) this.set({ container_state: state }, n);
      },
    });
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Where the running pods and containers are counted from (the pod manager, once it exists). */
  readFrom(sources: AgentMetricSources): void {
    this.sources = sources;
  }

  /** One runtime operation (CRI method names: create_container, pull_image, ...). */
  operation(type: string, seconds: number, failed: boolean): void {
    this.operations.inc({ operation_type: type });
    this.operationDuration.observe({ operation_type: type }, seconds);
    if (failed) this.operationErrors.inc({ operation_type: type });
  }

  podStarted(seconds: number): void {
    this.podStart.observe(seconds);
  }

  imagePulled(ok: boolean, seconds: number): void {
    this.imagePulls.inc({ result: ok ? "success" : "failure" });
    if (ok) this.imagePull.observe(seconds);
  }

  async expose(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
