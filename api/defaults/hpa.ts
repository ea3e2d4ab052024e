// HorizontalPodAutoscaler defaults (autoscaling/v2): minReplicas 1, a CPU target of 80% when no
// metric is given, and — only when `behavior` is present — the scale-up and scale-down rules
// the controller would use anyway, filled in field by field. An autoscaling/v1 object (one not
// yet converted to v2) only gets minReplicas.

import { type Obj, ensureObj, isObj, setIfAbsent } from "./util";

/** Kubernetes' DefaultCPUUtilization. */
export const DEFAULT_CPU_UTILIZATION = 80;

const scaleUpDefaults = (): Obj => ({
  stabilizationWindowSeconds: 0,
  selectPolicy: "Max",
  policies: [
    { type: "Pods", value: 4, periodSeconds: 15 },
    { type: "Percent", value: 100, periodSeconds: 15 },
  ],
});

// No stabilizationWindowSeconds: the scale-down window is a controller flag upstream.
const scaleDownDefaults = (): Obj => ({ selectPolicy: "Max", policies: [{ type: "Percent", value: 100, periodSeconds: 15 }] });

function fillRules(given: unknown, defaults: Obj): Obj {
  if (!isObj(given)) return defaults;
  const out: Obj = { ...defaults };
  for (const k of ["selectPolicy", "stabilizationWindowSeconds", "policies", "tolerance"]) {
    if (given[k] !== undefined && given[k] !== null) out[k] = given[k];
  }
  return out;
}

export function defaultHPA(hpa: Obj): void {
  const spec = ensureObj(hpa, "spec");
  setIfAbsent(spec, "minReplicas", 1);
  // autoscaling/v1 has no metrics list: its CPU target stays unset and the controller assumes 80%.
  if (hpa.apiVersion === "autoscaling/v1") return;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: DEFAULT_CPU_UTILIZATION } },
      },
    ];
  }
  if (isObj(spec.behavior)) {
    spec.behavior.scaleUp = fillRules(spec.behavior.scaleUp, scaleUpDefaults());
    spec.behavior.scaleDown = fillRules(spec.behavior.scaleDown, scaleDownDefaults());
  }
}
