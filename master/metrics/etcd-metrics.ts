// etcd_request_duration_seconds{operation, type}: every call the store makes to etcd (the
// store reports to an EtcdRequestObserver). `type` is the resource the key belongs to:
// `/registry/pods/default/web` is "pods", `/registry/horizontalpodautoscalers.autoscaling/...`
// keeps its group, as upstream's group-resource string does (apps and batch are stored without
// theirs, so they read "deployments", "jobs").

import { Histogram, type Registry } from "prom-client";
import type { EtcdRequestObserver } from "../store/etcd-store";

const BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

export function keyType(key: string): string {
  const parts = key.split("/", 4);
  if (parts[1] === "registry") return parts[2] ?? "";
  return parts[1] ?? "";
}

export class EtcdMetrics implements EtcdRequestObserver {
  private readonly duration: Histogram<"operation" | "type">;

  constructor(registry: Registry) {
    this.duration = new Histogram({
      name: "etcd_request_duration_seconds",
      help: "Etcd request latency in seconds for each operation and object type.",
      labelNames: ["operation", "type"],
      buckets: BUCKETS,
      registers: [registry],
    });
  }

  observe(operation: string, key: string, seconds: number): void {
    this.duration.observe({ operation, type: keyType(key) }, seconds);
  }
}
