// Deployments: replicas, the selector/template pair, the rollout strategy and its timing knobs.
// The selector is immutable in apps/v1, so a changed selector is refused on update.

import { type FieldCause, child, forbidden, invalid, nonNegative, notSupported, required } from "./field";
import { GoRepr } from "./go-format";
import { type Obj, isObj, obj, str } from "./json";
import { validateObjectMeta, validateObjectMetaUpdate } from "./meta";
import { nameIsDNSSubdomain } from "./names";
import {
  intOrPercentValue,
  intOrStringRepr,
  isNotMoreThan100Percent,
  validatePositiveIntOrPercent,
  validateSelectorAndTemplate,
  validateSelectorImmutable,
} from "./workload-common";

function validateStrategy(strategy: unknown, field: string): FieldCause[] {
  const s = obj(strategy);
  const type = str(s.type);
  if (type === "Recreate") {
    return isObj(s.rollingUpdate) ? [forbidden(child(field, "rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")] : [];
  }
  if (type === "RollingUpdate") {
    if (!isObj(s.rollingUpdate)) return [required(child(field, "rollingUpdate"), "this should be defaulted and never be nil")];
    const ru = s.rollingUpdate;
    const path = child(field, "rollingUpdate");
    const causes = [
      ...validatePositiveIntOrPercent(ru.maxUnavailable, child(path, "maxUnavailable")),
      ...validatePositiveIntOrPercent(ru.maxSurge, child(path, "maxSurge")),
    ];
    if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
      causes.push(invalid(child(path, "maxUnavailable"), intOrStringRepr(ru.maxUnavailable), "may not be 0 when `maxSurge` is 0"));
    }
    return [...causes, ...isNotMoreThan100Percent(ru.maxUnavailable, child(path, "maxUnavailable"))];
  }
  const repr = isObj(s.rollingUpdate)
    ? JSON.stringify(s)
    : `apps.DeploymentStrategy{Type:${JSON.stringify(type)}, RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}`;
  return [notSupported(field, new GoRepr(repr), ["Recreate", "RollingUpdate"])];
}

function validateDeploymentSpec(specValue: unknown): FieldCause[] {
  const spec = obj(specValue);
  const causes = [
    ...nonNegative(spec.replicas, "spec.replicas"),
    ...validateSelectorAndTemplate(spec, "spec", "empty selector is invalid for deployment"),
    ...validateStrategy(spec.strategy, "spec.strategy"),
    ...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"),
    ...nonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"),
  ];
  if (typeof spec.progressDeadlineSeconds === "number") {
    causes.push(...nonNegative(spec.progressDeadlineSeconds, "spec.progressDeadlineSeconds"));
    const minReady = typeof spec.minReadySeconds === "number" ? spec.minReadySeconds : 0;
    if (spec.progressDeadlineSeconds <= minReady) {
      causes.push(invalid("spec.progressDeadlineSeconds", spec.progressDeadlineSeconds, "must be greater than minReadySeconds"));
    }
  }
  return causes;
}

export function validateDeployment(d: Obj): FieldCause[] {
  return [...validateObjectMeta(d.metadata, true, nameIsDNSSubdomain), ...validateDeploymentSpec(d.spec)];
}

export function validateDeploymentUpdate(next: Obj, prev: Obj): FieldCause[] {
  return [
    ...validateObjectMetaUpdate(next.metadata, prev.metadata),
    ...validateDeploymentSpec(next.spec),
    ...validateSelectorImmutable(next.spec, prev.spec),
  ];
}
