import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../object";
import { hpaPrinter } from "./hpa";
import { HOUR, NOW, ago } from "./testing/clock";

function hpa(apiVersion: string, spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion,
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web", creationTimestamp: ago(6 * HOUR) },
    spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, maxReplicas: 10, ...spec },
    status,
  };
}
const cells = (h: KubeObject) => hpaPrinter.print(h, NOW).cells;
const cpu = (utilization?: number) => ({
  type: "Resource",
  resource: { name: "cpu", target: utilization === undefined ? { type: "AverageValue", averageValue: "500m" } : { type: "Utilization", averageUtilization: utilization } },
});

test("an autoscaling/v2 HPA with a CPU utilization target and a reading", () => {
  const h = hpa(
    "autoscaling/v2",
    { minReplicas: 2, metrics: [cpu(50)] },
    { currentReplicas: 3, desiredReplicas: 3, currentMetrics: [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 73, averageValue: "365m" } } }] },
  );
  assert.deepEqual(cells(h), ["web", "Deployment/web", "cpu: 73%/50%", "2", 10, 3, "6h"]);
  assert.deepEqual(
    hpaPrinter.columns.map((c) => c.name),
    ["Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"],
  );
});

test("before the first reading the current value is <unknown>; no metrics means the 80% CPU default", () => {
  assert.equal(cells(hpa("autoscaling/v2", { metrics: [cpu(50)] }))[2], "cpu: <unknown>/50%");
  assert.deepEqual(cells(hpa("autoscaling/v2", {})).slice(2, 6), ["cpu: <unknown>/80%", "1", 10, 0]);
});

test("an autoscaling/v1 HPA (as `kubectl autoscale` creates) prints the same", () => {
  const h = hpa("autoscaling/v1", { minReplicas: 1, targetCPUUtilizationPercentage: 50 }, { currentReplicas: 1, currentCPUUtilizationPercentage: 12 });
  assert.deepEqual(cells(h).slice(2, 6), ["cpu: 12%/50%", "1", 10, 1]);
});

test("value metrics, average values and more than two metrics", () => {
  const metrics = [
    cpu(),
    { type: "Pods", pods: { metric: { name: "packets-per-second" }, target: { type: "AverageValue", averageValue: "1k" } } },
    { type: "Object", object: { metric: { name: "requests-per-second" }, describedObject: { kind: "Ingress", name: "main" }, target: { type: "Value", value: "10k" } } },
    { type: "External", external: { metric: { name: "queue_depth" }, target: { type: "AverageValue", averageValue: "30" } } },
  ];
  const statuses = [
    { type: "Resource", resource: { name: "cpu", current: { averageValue: "220m" } } },
    { type: "Pods", pods: { metric: { name: "packets-per-second" }, current: { averageValue: "1200" } } },
  ];
  const h = hpa("autoscaling/v2", { metrics }, { currentMetrics: statuses });
  assert.equal(cells(h)[2], "cpu: 220m/500m, 1200/1k + 2 more...");
  const two = hpa("autoscaling/v2", { metrics: metrics.slice(2) }, { currentMetrics: [{ type: "Object", object: { current: { value: "9k" } } }] });
  assert.equal(cells(two)[2], "9k/10k, <unknown>/30 (avg)");
  const container = hpa("autoscaling/v2", {
    metrics: [{ type: "ContainerResource", containerResource: { name: "memory", container: "web", target: { type: "Utilization" } } }],
  });
  assert.equal(cells(container)[2], "memory: <unknown>/<auto>");
});
