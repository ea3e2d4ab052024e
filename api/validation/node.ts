// Nodes: taints unique by key and effect, valid pod CIDRs (one per IP family), non-negative
// capacity. An assigned pod CIDR and provider ID are fixed; everything else, including status,
// may be rewritten by the agent that owns the node.

import { Quantity } from "../quantity";
import { type FieldCause, child, duplicate, forbidden, index, invalid, notSupported, required } from "./field";
import { GoRepr } from "./go-format";
import { isIPv6, parseCIDR, validateCIDR } from "./ip";
import { type Obj, arr, isObj, obj, objItems, str, sortedEntries } from "./json";
import { validateLabelName, validateObjectMeta, validateObjectMetaUpdate } from "./meta";
import { isLabelValue, nameIsDNSSubdomain } from "./names";
import { parseResourceQuantity, validateResourceQuantityValue } from "./resources";

const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

// Kubernetes reports spec.taints under `metadata.taints`; kept so messages match kubectl's.
const TAINTS_PATH = "metadata.taints";

function validateTaints(taints: unknown): FieldCause[] {
  const causes: FieldCause[] = [];
  const seen = new Set<string>();
  for (const [t, i] of objItems(taints)) {
    const path = index(TAINTS_PATH, i);
    causes.push(...validateLabelName(str(t.key), child(path, "key")));
    const errs = isLabelValue(str(t.value));
    if (errs.length > 0) causes.push(invalid(child(path, "value"), str(t.value), errs.join(";")));
    const effect = str(t.effect);
    if (!effect) causes.push(required(child(path, "effect")));
    else if (!TAINT_EFFECTS.includes(effect)) causes.push(notSupported(child(path, "effect"), effect, TAINT_EFFECTS));
    const id = `${effect}\u0000${str(t.key)}`;
    if (seen.has(id)) {
      const repr = new GoRepr(`core.Taint{Key:${JSON.stringify(str(t.key))}, Value:${JSON.stringify(str(t.value))}, Effect:${JSON.stringify(effect)}, TimeAdded:<nil>}`);
      const cause = duplicate(path, repr);
      causes.push({ ...cause, message: `${cause.message}: taints must be unique by key and effect pair` });
      continue;
    }
    seen.add(id);
  }
  return causes;
}

function validateResources(status: Obj): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const list of ["capacity", "allocatable"]) {
    for (const [name, raw] of sortedEntries(isObj(status[list]) ? status[list] : undefined)) {
      const path = child("status", list, name);
      const q = parseResourceQuantity(raw, path);
      if (q instanceof Quantity) causes.push(...validateResourceQuantityValue(name, q, path));
      else causes.push(q);
    }
  }
  return causes;
}

function validatePodCIDRs(spec: Obj): FieldCause[] {
  const cidrs = arr(spec.podCIDRs).map(str);
  const causes: FieldCause[] = [];
  cidrs.forEach((c, i) => causes.push(...validateCIDR(c, index("spec.podCIDRs", i))));
  if (cidrs.length > 1 && causes.length === 0) {
    const families = cidrs.map((c) => (parseCIDR(c)?.ip.length === 16 || isIPv6(c.split("/")[0]) ? 6 : 4));
    if (cidrs.length > 2 || families[0] === families[1]) {
      causes.push(invalid("spec.podCIDRs", cidrs, "may specify no more than one CIDR for each IP family"));
    }
    const seen = new Set<string>();
    cidrs.forEach((c, i) => {
      if (seen.has(c)) causes.push(duplicate(index("spec.podCIDRs", i), c));
      seen.add(c);
    });
  }
  return causes;
}

export function validateNode(node: Obj): FieldCause[] {
  const spec = obj(node.spec);
  return [
    ...validateObjectMeta(node.metadata, false, nameIsDNSSubdomain),
    ...validateTaints(spec.taints),
    ...validateResources(obj(node.status)),
    ...validatePodCIDRs(spec),
  ];
}

export function validateNodeUpdate(next: Obj, prev: Obj): FieldCause[] {
  const spec = obj(next.spec);
  const old = obj(prev.spec);
  const causes = [...validateObjectMetaUpdate(next.metadata, prev.metadata), ...validateResources(obj(next.status))];
  const seen = new Set<string>();
  objItems(obj(next.status).addresses).forEach(([a, i]) => {
    const id = `${str(a.type)}/${str(a.address)}`;
    if (seen.has(id)) causes.push(duplicate(index("status.addresses", i), a));
    seen.add(id);
  });
  const oldCIDRs = arr(old.podCIDRs).map(str);
  const newCIDRs = arr(spec.podCIDRs).map(str);
  if (oldCIDRs.length > 0 && (oldCIDRs.length !== newCIDRs.length || oldCIDRs.some((c, i) => c !== newCIDRs[i]))) {
    causes.push(forbidden("spec.podCIDRs", 'node updates may not change podCIDR except from "" to valid'));
  }
  if (str(old.providerID) && str(old.providerID) !== str(spec.providerID)) {
    causes.push(forbidden("spec.providerID", 'node updates may not change providerID except from "" to valid'));
  }
  return [...causes, ...validateTaints(spec.taints)];
}
