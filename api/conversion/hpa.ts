// autoscaling/v1 <-> autoscaling/v2 HorizontalPodAutoscaler. v2 is the storage version; v1
// clients (`kubectl autoscale` posts v1) read and write the same objects through this conversion.
// v1 can only express a CPU utilization target; other v2 metrics are kept in the
// `autoscaling.alpha.kubernetes.io/*` annotations so a v1 round trip does not lose them.

import type { JsonObject, KubeObject } from "../object";

const METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/metrics";
const BEHAVIOR_ANNOTATION = "autoscaling.alpha.kubernetes.io/behavior";

interface MetricSpec {
  type: string;
  resource?: { name: string; target: { type: string; averageUtilization?: number } };
}

export function hpaV1ToV2(v1: KubeObject): KubeObject {
  const spec = (v1.spec ?? {}) as JsonObject;
  const annotations = { ...(v1.metadata.annotations ?? {}) };
  const extraMetrics = annotations[METRICS_ANNOTATION];
  const behavior = annotations[BEHAVIOR_ANNOTATION];
  delete annotations[METRICS_ANNOTATION];
  delete annotations[BEHAVIOR_ANNOTATION];

  const metrics: MetricSpec[] = extraMetrics ? (JSON.parse(extraMetrics) as MetricSpec[]) : [];
  if (typeof spec.targetCPUUtilizationPercentage === "number") {
    metrics.unshift({
      type: "Resource",
      resource: { name: "cpu", target: { type: "Utilization", averageUtilization: spec.targetCPUUtilizationPercentage } },
    });
  }
  const v2Spec: JsonObject = {
    scaleTargetRef: spec.scaleTargetRef,
    minReplicas: spec.minReplicas,
    maxReplicas: spec.maxReplicas,
  };
  if (metrics.length > 0) v2Spec.metrics = metrics;
  if (behavior) v2Spec.behavior = JSON.parse(behavior);

  const status = (v1.status ?? {}) as JsonObject;
  const v2Status: JsonObject = {
    currentReplicas: status.currentReplicas ?? 0,
    desiredReplicas: status.desiredReplicas ?? 0,
  };
  if (status.observedGeneration !== undefined) v2Status.observedGeneration = status.observedGeneration;
  if (status.lastScaleTime !== undefined) v2Status.lastScaleTime = status.lastScaleTime;
  if (typeof status.currentCPUUtilizationPercentage === "number") {
    v2Status.currentMetrics = [
      { type: "Resource", resource: { name: "cpu", current: { averageUtilization: status.currentCPUUtilizationPercentage } } },
    ];
  }
  return {
    ...v1,
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { ...v1.metadata, annotations: emptyToUndefined(annotations) },
    spec: v2Spec,
    status: v2Status,
  };
}

export function hpaV2ToV1(v2: KubeObject): KubeObject {
  const spec = (v2.spec ?? {}) as JsonObject;
  const metrics = (spec.metrics ?? []) as MetricSpec[];
  const isCpuUtilization = (m: MetricSpec) =>
    m.type === "Resource" && m.resource?.name === "cpu" && m.resource.target.type === "Utilization";
  const cpu = metrics.find(isCpuUtilization);
  const others = metrics.filter((m) => m !== cpu);

  const annotations = { ...(v2.metadata.annotations ?? {}) };
  if (others.length > 0) annotations[METRICS_ANNOTATION] = JSON.stringify(others);
  if (spec.behavior) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(spec.behavior);

  const v1Spec: JsonObject = {
    scaleTargetRef: spec.scaleTargetRef,
    minReplicas: spec.minReplicas,
    maxReplicas: spec.maxReplicas,
  };
  if (cpu?.resource?.target.averageUtilization !== undefined) {
    v1Spec.targetCPUUtilizationPercentage = cpu.resource.target.averageUtilization;
  }
  const status = (v2.status ?? {}) as JsonObject;
  const currentCpu = ((status.currentMetrics ?? []) as { type: string; resource?: { name: string; current?: { averageUtilization?: number } } }[])
    .find((m) => m.type === "Resource" && m.resource?.name === "cpu");
  const v1Status: JsonObject = {
    currentReplicas: status.currentReplicas ?? 0,
    desiredReplicas: status.desiredReplicas ?? 0,
  };
  if (status.observedGeneration !== undefined) v1Status.observedGeneration = status.observedGeneration;
  if (status.lastScaleTime !== undefined) v1Status.lastScaleTime = status.lastScaleTime;
  if (currentCpu?.resource?.current?.averageUtilization !== undefined) {
    v1Status.currentCPUUtilizationPercentage = currentCpu.resource.current.averageUtilization;
  }
  return {
    ...v2,
    apiVersion: "autoscaling/v1",
    kind: "HorizontalPodAutoscaler",
    metadata: { ...v2.metadata, annotations: emptyToUndefined(annotations) },
    spec: v1Spec,
    status: v1Status,
  };
}

function emptyToUndefined(map: Record<string, string>): Record<string, string> | undefined {
  return Object.keys(map).length > 0 ? map : undefined;
}
