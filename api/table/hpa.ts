// `kubectl get hpa`: NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE.
//
// TARGETS shows up to two metrics as `current/target` (`cpu: 45%/80%`, `500m/1 (avg)`), then
// `+ N more...`; a metric without a reading yet shows `<unknown>`. Objects may arrive in
// autoscaling/v2 or autoscaling/v1 shape; v1 only has the CPU utilization target.

import type { MetricSpec, MetricStatus } from "kubernetes-types/autoscaling/v2";
import type { KubeObject } from "../object";
import { AGE_COLUMN, NAME_COLUMN, column } from "./columns";
import { since } from "./format";
import type { KindPrinter, PrintedRow } from "./types";

const SHOWN = 2;
/** What Kubernetes fills in when an HPA names no metric at all. */
const DEFAULT_CPU_UTILIZATION = 80;

const columns = [
  NAME_COLUMN,
  column(
    "Reference",
    "string",
    "scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.",
  ),
  column(
    "Targets",
    "string",
    "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond. If not set, the default metric will be set to 80% average CPU utilization.",
  ),
  column(
    "MinPods",
    "string",
    "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.",
  ),
  column(
    "MaxPods",
    "string",
    "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.",
  ),
  column(
    "Replicas",
    "string",
    "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.",
  ),
  AGE_COLUMN,
];

interface HpaFields {
  scaleTargetRef?: { kind?: string; name?: string };
  minReplicas?: number;
  maxReplicas?: number;
  metrics?: MetricSpec[];
  targetCPUUtilizationPercentage?: number;
}

interface HpaStatusFields {
  currentReplicas?: number;
  currentMetrics?: MetricStatus[];
  currentCPUUtilizationPercentage?: number;
}

function cpuUtilization(percent: number): MetricSpec {
  return { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: percent } } };
}

/** The v2 metrics and statuses an object stands for, whichever version it is written in. */
function metricsOf(spec: HpaFields, status: HpaStatusFields): { specs: MetricSpec[]; statuses: MetricStatus[] } {
  let specs = spec.metrics ?? [];
  let statuses = status.currentMetrics ?? [];
  if (specs.length === 0 && spec.targetCPUUtilizationPercentage !== undefined) {
    specs = [cpuUtilization(spec.targetCPUUtilizationPercentage)];
  }
  if (statuses.length === 0 && status.currentCPUUtilizationPercentage !== undefined) {
    statuses = [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: status.currentCPUUtilizationPercentage } } }];
  }
  // Defaulting gives a stored HPA without metrics an 80% CPU target.
  if (specs.length === 0) specs = [cpuUtilization(DEFAULT_CPU_UTILIZATION)];
  return { specs, statuses };
}

/** resource.Quantity's String() of an unset pointer is `<nil>`; Kubernetes prints that too. */
function q(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return "<nil>";
}

function percent(value: number | undefined, unset: string): string {
  return value === undefined ? unset : `${value}%`;
}

interface ValueTarget {
  averageValue?: string;
  value?: string;
  averageUtilization?: number;
}

/** External and Object metrics: an average-value target shows `(avg)`. */
function valueMetric(target: ValueTarget, current: ValueTarget | undefined): string {
  if (target.averageValue !== undefined) {
    const cur = current?.averageValue !== undefined ? q(current.averageValue) : "<unknown>";
    return `${cur}/${q(target.averageValue)} (avg)`;
  }
  return `${current ? q(current.value) : "<unknown>"}/${q(target.value)}`;
}

/** Resource and ContainerResource metrics: `cpu: 45%/80%` or `memory: 100Mi/200Mi`. */
function resourceMetric(name: string, target: ValueTarget, current: ValueTarget | undefined): string {
  if (target.averageValue !== undefined) {
    return `${name}: ${current ? q(current.averageValue) : "<unknown>"}/${q(target.averageValue)}`;
  }
  return `${name}: ${percent(current?.averageUtilization, "<unknown>")}/${percent(target.averageUtilization, "<auto>")}`;
}

function formatHpaMetrics(specs: MetricSpec[], statuses: MetricStatus[]): string {
  if (specs.length === 0) return "<none>";
  const list = specs.map((spec, i) => {
    const st = statuses[i];
    switch (spec.type) {
      case "External":
        return valueMetric(spec.external?.target ?? {}, st?.external ? st.external.current ?? {} : undefined);
      case "Object":
        return valueMetric(spec.object?.target ?? {}, st?.object ? st.object.current ?? {} : undefined);
      case "Pods":
        return `${st?.pods ? q(st.pods.current?.averageValue) : "<unknown>"}/${q(spec.pods?.target?.averageValue)}`;
      case "Resource":
        return resourceMetric(spec.resource?.name ?? "", spec.resource?.target ?? {}, st?.resource ? st.resource.current ?? {} : undefined);
      case "ContainerResource":
        return resourceMetric(
          spec.containerResource?.name ?? "",
          spec.containerResource?.target ?? {},
          st?.containerResource ? st.containerResource.current ?? {} : undefined,
        );
      default:
        return "<unknown type>";
    }
  });
  const shown = list.slice(0, SHOWN).join(", ");
  return list.length > SHOWN ? `${shown} + ${list.length - SHOWN} more...` : shown;
}

function print(obj: KubeObject, now: Date): PrintedRow {
  const spec = (obj.spec ?? {}) as HpaFields;
  const status = (obj.status ?? {}) as HpaStatusFields;
  const { specs, statuses } = metricsOf(spec, status);
  const ref = spec.scaleTargetRef ?? {};
  return {
    cells: [
      obj.metadata.name ?? "",
      `${ref.kind ?? ""}/${ref.name ?? ""}`,
      formatHpaMetrics(specs, statuses),
      // minReplicas defaults to 1 when the object is stored.
      String(spec.minReplicas ?? 1),
      spec.maxReplicas ?? 0,
      status.currentReplicas ?? 0,
      since(obj.metadata.creationTimestamp, now),
    ],
  };
}

export const hpaPrinter: KindPrinter = { columns, print };
