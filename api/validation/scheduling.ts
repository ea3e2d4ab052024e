// Scheduling constraints in a pod spec: tolerations, node and pod (anti-)affinity, and topology
// spread constraints. These are what the scheduler's filter plugins read, so malformed ones are
// refused here rather than silently ignored there.

import { type FieldCause, child, deepEqual, duplicate, forbidden, index, invalid, notSupported, required } from "./field";
import { type Obj, arr, isObj, obj, objItems, str } from "./json";
import { validateLabelSelector } from "./label-selector";
import { validateLabelName } from "./meta";
import { isDNS1123Label, isLabelValue } from "./names";

const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

export function validateTolerations(tolerations: unknown, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const [t, i] of objItems(tolerations)) {
    const path = index(field, i);
    const k = str(t.key);
    const operator = str(t.operator);
    const effect = str(t.effect);
    if (k) causes.push(...validateLabelName(k, child(path, "key")));
    if (!k && operator !== "Exists") {
      causes.push(invalid(child(path, "operator"), operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && effect !== "NoExecute") {
      causes.push(invalid(child(path, "effect"), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (operator) {
      case "Equal":
      case "": {
        const errs = isLabelValue(str(t.value));
        if (errs.length > 0) causes.push(invalid(child(path, "operator"), str(t.value), errs.join(";")));
        break;
      }
      case "Exists":
        if (str(t.value)) causes.push(invalid(child(path, "operator"), str(t.value), "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        causes.push(notSupported(child(path, "operator"), operator, ["Equal", "Exists"]));
    }
    if (effect && !TAINT_EFFECTS.includes(effect)) causes.push(notSupported(child(path, "effect"), effect, TAINT_EFFECTS));
  }
  return causes;
}

/** On pod update, existing tolerations may only change their tolerationSeconds. */
export function validateOnlyAddedTolerations(next: unknown, prev: unknown, field: string): FieldCause[] {
  const newList = arr(next).map(obj);
  for (const old of arr(prev).map(obj)) {
    const found = newList.some((n) => deepEqual({ ...old, tolerationSeconds: n.tolerationSeconds }, n));
    if (!found) return [forbidden(field, "existing toleration can not be modified except its tolerationSeconds")];
  }
  return validateTolerations(next, field);
}

function validateNodeSelectorRequirement(req: Obj, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const values = arr(req.values).map(str);
  switch (req.operator) {
    case "In":
    case "NotIn":
      if (values.length === 0) causes.push(required(child(field, "values"), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case "Exists":
    case "DoesNotExist":
      if (values.length > 0) causes.push(forbidden(child(field, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case "Gt":
    case "Lt":
      if (values.length !== 1) causes.push(required(child(field, "values"), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
    default:
      causes.push(invalid(child(field, "operator"), str(req.operator), "not a valid selector operator"));
  }
  causes.push(...validateLabelName(str(req.key), child(field, "key")));
  return causes;
}

function validateNodeSelectorTerm(term: Obj, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const [req, j] of objItems(term.matchExpressions)) {
    causes.push(...validateNodeSelectorRequirement(req, index(child(field, "matchExpressions"), j)));
  }
  for (const [req, j] of objItems(term.matchFields)) {
    const path = index(child(field, "matchFields"), j);
    const op = str(req.operator);
    if (op !== "In" && op !== "NotIn") causes.push(invalid(child(path, "operator"), op, "not a valid selector operator"));
    else if (arr(req.values).length !== 1) {
      causes.push(required(child(path, "values"), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
    }
    if (str(req.key) !== "metadata.name") causes.push(invalid(child(path, "key"), str(req.key), "not a valid field selector key"));
  }
  return causes;
}

function validatePodAffinityTerm(term: Obj, field: string): FieldCause[] {
  const causes = [
    ...validateLabelSelector(term.labelSelector, child(field, "labelSelector")),
    ...validateLabelSelector(term.namespaceSelector, child(field, "namespaceSelector")),
  ];
  for (const ns of arr(term.namespaces).map(str)) {
    for (const msg of isDNS1123Label(ns)) causes.push(invalid(child(field, "namespace"), ns, msg));
  }
  const topologyKey = str(term.topologyKey);
  if (!topologyKey) causes.push(required(child(field, "topologyKey"), "can not be empty"));
  return [...causes, ...validateLabelName(topologyKey, child(field, "topologyKey"))];
}

function validateWeight(weight: unknown, field: string): FieldCause[] {
  const w = typeof weight === "number" ? weight : 0;
  return w <= 0 || w > 100 ? [invalid(field, w, "must be in the range 1-100")] : [];
}

function validatePodAffinity(aff: Obj, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const [term, i] of objItems(aff.requiredDuringSchedulingIgnoredDuringExecution)) {
    causes.push(...validatePodAffinityTerm(term, index(child(field, "requiredDuringSchedulingIgnoredDuringExecution"), i)));
  }
  for (const [wt, i] of objItems(aff.preferredDuringSchedulingIgnoredDuringExecution)) {
    const path = index(child(field, "preferredDuringSchedulingIgnoredDuringExecution"), i);
    causes.push(...validateWeight(wt.weight, child(path, "weight")), ...validatePodAffinityTerm(obj(wt.podAffinityTerm), child(path, "podAffinityTerm")));
  }
  return causes;
}

export function validateAffinity(affinity: unknown, field: string): FieldCause[] {
  if (!isObj(affinity)) return [];
  const causes: FieldCause[] = [];
  if (isObj(affinity.nodeAffinity)) {
    const na = affinity.nodeAffinity;
    const path = child(field, "nodeAffinity");
    if (isObj(na.requiredDuringSchedulingIgnoredDuringExecution)) {
      const termsPath = child(path, "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms");
      const terms = objItems(na.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms);
      if (terms.length === 0) causes.push(required(termsPath, "must have at least one node selector term"));
      for (const [term, i] of terms) causes.push(...validateNodeSelectorTerm(term, index(termsPath, i)));
    }
    for (const [pref, i] of objItems(na.preferredDuringSchedulingIgnoredDuringExecution)) {
      const prefPath = index(child(path, "preferredDuringSchedulingIgnoredDuringExecution"), i);
      causes.push(...validateWeight(pref.weight, child(prefPath, "weight")), ...validateNodeSelectorTerm(obj(pref.preference), child(prefPath, "preference")));
    }
  }
  if (isObj(affinity.podAffinity)) causes.push(...validatePodAffinity(affinity.podAffinity, child(field, "podAffinity")));
  if (isObj(affinity.podAntiAffinity)) causes.push(...validatePodAffinity(affinity.podAntiAffinity, child(field, "podAntiAffinity")));
  return causes;
}

export function validateTopologySpreadConstraints(constraints: unknown, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const items = objItems(constraints);
  for (const [c, i] of items) {
    const path = index(field, i);
    const maxSkew = typeof c.maxSkew === "number" ? c.maxSkew : 0;
    if (maxSkew <= 0) causes.push(invalid(child(path, "maxSkew"), maxSkew, "must be greater than zero"));
    if (!str(c.topologyKey)) causes.push(required(child(path, "topologyKey"), "can not be empty"));
    const action = str(c.whenUnsatisfiable);
    if (action !== "DoNotSchedule" && action !== "ScheduleAnyway") {
      causes.push(notSupported(child(path, "whenUnsatisfiable"), action, ["DoNotSchedule", "ScheduleAnyway"]));
    }
    const repeated = items.slice(i + 1).some(([o]) => str(o.topologyKey) === str(c.topologyKey) && str(o.whenUnsatisfiable) === action);
    if (repeated) causes.push(duplicate(child(path, "{topologyKey, whenUnsatisfiable}"), `{${str(c.topologyKey)}, ${action}}`));
    if (typeof c.minDomains === "number") {
      if (c.minDomains <= 0) causes.push(invalid(child(path, "minDomains"), c.minDomains, "must be greater than zero"));
      if (action !== "DoNotSchedule") {
        causes.push(invalid(child(path, "minDomains"), c.minDomains, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${action}`));
      }
    }
    for (const policy of ["nodeAffinityPolicy", "nodeTaintsPolicy"]) {
      if (typeof c[policy] === "string" && c[policy] !== "Honor" && c[policy] !== "Ignore") {
        causes.push(notSupported(child(path, policy), c[policy], ["Honor", "Ignore"]));
      }
    }
    causes.push(...validateLabelSelector(c.labelSelector, child(path, "labelSelector")));
  }
  return causes;
}
