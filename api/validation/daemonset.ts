// DaemonSets: a selector matching the template, a template that restarts Always, and an update
// strategy where exactly one of maxUnavailable / maxSurge is non-zero.

import { type FieldCause, child, invalid, nonNegative, notSupported, required } from "./field";
import { GoRepr, goLabelSelector } from "./go-format";
import { type Obj, isObj, obj, str } from "./json";
import { isEmptySelector, selectorMatcher, validateLabelSelector } from "./label-selector";
import { validateObjectMeta, validateObjectMetaUpdate } from "./meta";
import { nameIsDNSSubdomain } from "./names";
import { validateControllerTemplate, validateTemplateLabelsMatch } from "./pod-template";
import {
  intOrPercentValue,
  intOrStringRepr,
  isNotMoreThan100Percent,
  validatePositiveIntOrPercent,
  validateSelectorImmutable,
} from "./workload-common";

function validateUpdateStrategy(strategy: unknown, field: string): FieldCause[] {
  const s = obj(strategy);
  const type = str(s.type);
  if (type === "OnDelete") return [];
  if (type !== "RollingUpdate") return [notSupported(field, new GoRepr(JSON.stringify(s)), ["RollingUpdate", "OnDelete"])];
  if (!isObj(s.rollingUpdate)) return [required(child(field, "rollingUpdate"))];
  const ru = s.rollingUpdate;
  const path = child(field, "rollingUpdate");
  const causes = [
    ...validatePositiveIntOrPercent(ru.maxUnavailable, child(path, "maxUnavailable")),
    ...validatePositiveIntOrPercent(ru.maxSurge, child(path, "maxSurge")),
    ...isNotMoreThan100Percent(ru.maxUnavailable, child(path, "maxUnavailable")),
    ...isNotMoreThan100Percent(ru.maxSurge, child(path, "maxSurge")),
  ];
  const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
  const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
  if (hasUnavailable && hasSurge) causes.push(invalid(child(path, "maxSurge"), intOrStringRepr(ru.maxSurge), "may not be set when maxUnavailable is non-zero"));
  if (!hasUnavailable && !hasSurge) causes.push(required(child(path, "maxUnavailable"), "cannot be 0 when maxSurge is 0"));
  return causes;
}

function validateDaemonSetSpec(specValue: unknown): FieldCause[] {
  const spec = obj(specValue);
  const causes = validateLabelSelector(spec.selector, "spec.selector");
  const matcher = selectorMatcher(spec.selector);
  causes.push(...validateTemplateLabelsMatch(spec.template, matcher, "spec.template"));
  if (isEmptySelector(spec.selector)) causes.push(invalid("spec.selector", goLabelSelector(spec.selector), "empty selector is invalid for daemonset"));
  causes.push(
    ...validateControllerTemplate(spec.template, "DaemonSet", "spec.template"),
    ...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"),
    ...nonNegative(spec.templateGeneration, "spec.templateGeneration"),
    ...validateUpdateStrategy(spec.updateStrategy, "spec.updateStrategy"),
    ...nonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"),
  );
  return causes;
}

export function validateDaemonSet(ds: Obj): FieldCause[] {
  return [...validateObjectMeta(ds.metadata, true, nameIsDNSSubdomain), ...validateDaemonSetSpec(ds.spec)];
}

export function validateDaemonSetUpdate(next: Obj, prev: Obj): FieldCause[] {
  return [
    ...validateObjectMetaUpdate(next.metadata, prev.metadata),
    ...validateDaemonSetSpec(next.spec),
    ...validateSelectorImmutable(next.spec, prev.spec),
  ];
}
