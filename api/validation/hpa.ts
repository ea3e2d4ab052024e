// HorizontalPodAutoscalers: replica bounds with min ≤ max, a scale target, well-formed metrics
// and scaling behavior (autoscaling/v2, how Gantry stores them), or a positive CPU target for
// an autoscaling/v1 object validated before conversion.

import { Quantity } from "../quantity";
import { type FieldCause, child, forbidden, index, invalid, notSupported, required } from "./field";
import { GoRepr } from "./go-format";
import { type Obj, isObj, obj, objItems, str } from "./json";
import { validateObjectMeta } from "./meta";
import { isDNS1123Label, isValidPathSegmentName, nameIsDNSSubdomain } from "./names";
import { validateContainerResourceName } from "./resources";

const METRIC_TYPES = ["ContainerResource", "External", "Object", "Pods", "Resource"];
const SELECT_POLICIES = ["Disabled", "Max", "Min"];
const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;

function validateReference(ref: unknown, field: string): FieldCause[] {
  const r = obj(ref);
  const causes: FieldCause[] = [];
  for (const f of ["kind", "name"]) {
    const v = str(r[f]);
    if (!v) causes.push(required(child(field, f)));
    else for (const msg of isValidPathSegmentName(v)) causes.push(invalid(child(field, f), v, msg));
  }
  return causes;
}

function quantityRepr(raw: unknown): GoRepr {
  return new GoRepr(Quantity.tryParse(raw)?.toString() ?? String(raw));
}

function validateTarget(target: unknown, field: string): FieldCause[] {
  const t = obj(target);
  const causes: FieldCause[] = [];
  const type = str(t.type);
  if (!type) causes.push(required(child(field, "type"), "must specify a metric target type"));
  if (!["Utilization", "Value", "AverageValue"].includes(type)) causes.push(invalid(child(field, "type"), type, "must be either Utilization, Value, or AverageValue"));
  for (const f of ["value", "averageValue"]) {
    if (t[f] === undefined || t[f] === null) continue;
    const q = Quantity.tryParse(t[f]);
    if (!q || q.sign() !== 1) causes.push(invalid(child(field, f), quantityRepr(t[f]), "must be positive"));
  }
  if (typeof t.averageUtilization === "number" && t.averageUtilization < 1) {
    causes.push(invalid(child(field, "averageUtilization"), t.averageUtilization, "must be greater than 0"));
  }
  return causes;
}

function validateMetricName(metric: unknown, field: string): FieldCause[] {
  const name = str(obj(metric).name);
  if (!name) return [required(child(field, "name"), "must specify a metric name")];
  return isValidPathSegmentName(name).map((msg) => invalid(child(field, "name"), name, msg));
}

const has = (o: Obj, f: string): boolean => o[f] !== undefined && o[f] !== null;

function validateSource(kind: string, src: Obj, field: string): FieldCause[] {
  const target = obj(src.target);
  const causes: FieldCause[] = [];
  if (kind === "object") causes.push(...validateReference(src.describedObject, child(field, "describedObject")));
  if (kind === "object" || kind === "pods" || kind === "external") causes.push(...validateMetricName(src.metric, child(field, "metric")));
  if (kind === "containerResource") {
    const name = str(src.name);
    if (!name) causes.push(required(child(field, "name"), "must specify a resource name"));
    else causes.push(...validateContainerResourceName(name, child(field, "name")));
    const container = str(src.container);
    if (!container) causes.push(required(child(field, "container"), "must specify a container"));
    else for (const msg of isDNS1123Label(container)) causes.push(invalid(child(field, "container"), container, msg));
  }
  if (kind === "resource" && !str(src.name)) causes.push(required(child(field, "name"), "must specify a resource name"));
  causes.push(...validateTarget(src.target, child(field, "target")));
  const targetPath = child(field, "target");
  switch (kind) {
    case "object":
      if (!has(target, "value") && !has(target, "averageValue")) causes.push(required(child(targetPath, "averageValue"), "must set either a target value or averageValue"));
      break;
    case "external":
      if (!has(target, "value") && !has(target, "averageValue")) causes.push(required(child(targetPath, "averageValue"), "must set either a target value for metric or a per-pod target"));
      if (has(target, "value") && has(target, "averageValue")) causes.push(forbidden(child(targetPath, "value"), "may not set both a target value for metric and a per-pod target"));
      break;
    case "pods":
      if (!has(target, "averageValue")) causes.push(required(child(targetPath, "averageValue"), "must specify a positive target averageValue"));
      break;
    default:
      if (!has(target, "averageUtilization") && !has(target, "averageValue")) {
        causes.push(required(child(targetPath, "averageUtilization"), "must set either a target raw value or a target utilization"));
      }
      if (has(target, "averageUtilization") && has(target, "averageValue")) {
        causes.push(forbidden(child(targetPath, "averageValue"), "may not set both a target raw value and a target utilization"));
      }
  }
  return causes;
}

const SOURCE_FIELDS: Readonly<Record<string, string>> = {
  Object: "object", Pods: "pods", Resource: "resource", External: "external", ContainerResource: "containerResource",
};

function validateMetric(metric: Obj, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const type = str(metric.type);
  if (!type) causes.push(required(child(field, "type"), "must specify a metric source type"));
  if (!METRIC_TYPES.includes(type)) causes.push(notSupported(child(field, "type"), type, METRIC_TYPES));
  const present = ["object", "external", "pods", "resource", "containerResource"].filter((f) => isObj(metric[f]));
  if (present.length > 0) causes.push(...validateSource(present[0], obj(metric[present[0]]), child(field, present[0])));
  const expected = SOURCE_FIELDS[type];
  if (expected && !isObj(metric[expected])) causes.push(required(child(field, expected), "must populate information for the given metric source"));
  if (present.length !== 1) {
    for (const f of present) if (f !== expected) causes.push(forbidden(child(field, f), "must populate the given metric source only"));
  }
  return causes;
}

function validateScalingRules(rules: unknown, field: string): FieldCause[] {
  if (!isObj(rules)) return [];
  const causes: FieldCause[] = [];
  const window = rules.stabilizationWindowSeconds;
  if (typeof window === "number" && window < 0) causes.push(invalid(child(field, "stabilizationWindowSeconds"), window, "must be greater than or equal to zero"));
  if (typeof window === "number" && window > MAX_STABILIZATION_WINDOW_SECONDS) {
    causes.push(invalid(child(field, "stabilizationWindowSeconds"), window, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  }
  if (typeof rules.selectPolicy === "string" && !SELECT_POLICIES.includes(rules.selectPolicy)) {
    causes.push(notSupported(child(field, "selectPolicy"), rules.selectPolicy, SELECT_POLICIES));
  }
  const policies = objItems(rules.policies);
  if (policies.length === 0) causes.push(required(child(field, "policies"), "must specify at least one Policy"));
  for (const [p, i] of policies) {
    const path = index(child(field, "policies"), i);
    if (p.type !== "Pods" && p.type !== "Percent") causes.push(notSupported(child(path, "type"), str(p.type), ["Percent", "Pods"]));
    const value = typeof p.value === "number" ? p.value : 0;
    if (value <= 0) causes.push(invalid(child(path, "value"), value, "must be greater than zero"));
    const period = typeof p.periodSeconds === "number" ? p.periodSeconds : 0;
    if (period <= 0) causes.push(invalid(child(path, "periodSeconds"), period, "must be greater than zero"));
    if (period > MAX_PERIOD_SECONDS) causes.push(invalid(child(path, "periodSeconds"), period, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  }
  return causes;
}

export function validateHPASpec(specValue: unknown): FieldCause[] {
  const spec = obj(specValue);
  const causes: FieldCause[] = [];
  const max = typeof spec.maxReplicas === "number" ? spec.maxReplicas : 0;
  if (typeof spec.minReplicas === "number" && spec.minReplicas < 1) {
    causes.push(invalid("spec.minReplicas", spec.minReplicas, "must be greater than or equal to 1"));
  }
  if (max < 1) causes.push(invalid("spec.maxReplicas", max, "must be greater than 0"));
  if (typeof spec.minReplicas === "number" && max < spec.minReplicas) {
    causes.push(invalid("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`"));
  }
  causes.push(...validateReference(spec.scaleTargetRef, "spec.scaleTargetRef"));
  const cpu = spec.targetCPUUtilizationPercentage;
  if (typeof cpu === "number" && cpu < 1) causes.push(invalid("spec.targetCPUUtilizationPercentage", cpu, "must be greater than 0"));
  for (const [m, i] of objItems(spec.metrics)) causes.push(...validateMetric(m, index("spec.metrics", i)));
  if (isObj(spec.behavior)) {
    causes.push(...validateScalingRules(spec.behavior.scaleUp, "spec.behavior.scaleUp"));
    causes.push(...validateScalingRules(spec.behavior.scaleDown, "spec.behavior.scaleDown"));
  }
  return causes;
}

export function validateHPA(hpa: Obj): FieldCause[] {
  return [...validateObjectMeta(hpa.metadata, true, nameIsDNSSubdomain), ...validateHPASpec(hpa.spec)];
}
