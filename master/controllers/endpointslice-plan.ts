// The EndpointSlice controller's decisions (upstream's endpointslice reconciler), without I/O:
// given a Service, its pods and the slices this controller already manages for it, which slices
// to create, update and delete. Pure, deterministic and minimal, so a resync writes nothing:
//
//  1. Slices of an address family the Service no longer has, or not owned by this Service (a
//     deleted Service of the same name), are deleted.
//  2. Per group of endpoints that resolve the ports alike (endpointslice-desired.ts), existing
//     slices keep the endpoints still desired (updated in place when their conditions, node,
//     zone... changed); a slice left empty is deleted; slices with changed labels are updated.
//  3. Endpoints not yet placed fill the slices already being updated (fullest first), then one
//     unchanged slice they fit into, then new slices of at most maxEndpointsPerSlice.
//  4. A Service with no endpoints at all keeps one empty placeholder slice per family.
//  5. A create and a delete of the same family become one update (fewer writes, stable names).
//
// New slices are named `<service>-<random>` (generateName), carry the Service's labels plus
// kubernetes.io/service-name and endpointslice.kubernetes.io/managed-by, and are controlled by
// the Service, so the garbage collector deletes them with it.

import type { Endpoint, EndpointPort, EndpointSlice } from "kubernetes-types/discovery/v1";
import type { KubeObject, OwnerReference } from "../../api/object";
import { canonicalJson, newControllerRef } from "./controller-utils";
import { desiredEndpoints, endpointKey, portsKey, sameEndpoint, type AddressType, type PortGroup } from "./endpointslice-desired";
import { HEADLESS_LABEL, isServiceIPSet, serviceAddressTypes, type ServiceObject } from "./service-backends";

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
export const CONTROLLER_NAME = "endpointslice-controller.k8s.io";
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;

export type SliceObject = EndpointSlice & KubeObject;

export interface SlicePlanInput {
  service: ServiceObject;
  /** The pods of the Service's namespace (the plan applies the selector). */
  pods: readonly KubeObject[];
  /** The slices labelled with this Service's name and managed by this controller. */
  slices: readonly SliceObject[];
  node(name: string): KubeObject | undefined;
  maxEndpointsPerSlice?: number;
}

export interface SlicePlan {
  /** New slices (metadata.generateName set, no name). */
  create: SliceObject[];
  /** Changed copies of existing slices (resourceVersion kept, for compare-and-swap). */
  update: SliceObject[];
  delete: SliceObject[];
  /** Pods left out because their node is unknown: look again later. */
  podsWithoutNode: number;
}

const RESERVED_LABELS = [SERVICE_NAME_LABEL, MANAGED_BY_LABEL, HEADLESS_LABEL];

/** The labels every slice of the Service carries (setEndpointSliceLabels). */
export function sliceLabels(svc: ServiceObject): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) if (!RESERVED_LABELS.includes(k)) labels[k] = v;
  if (!isServiceIPSet(svc)) labels[HEADLESS_LABEL] = "";
  labels[SERVICE_NAME_LABEL] = svc.metadata.name!;
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  return labels;
}

function ownedBy(slice: SliceObject, svc: ServiceObject): boolean {
  return (slice.metadata.ownerReferences ?? []).some((r) => r.kind === "Service" && r.apiVersion === "v1" && r.uid === svc.metadata.uid);
}

function newSlice(svc: ServiceObject, addressType: AddressType, ports: EndpointPort[]): SliceObject {
  const owner: OwnerReference = newControllerRef(svc, { apiVersion: "v1", kind: "Service" });
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { generateName: `${svc.metadata.name}-`, namespace: svc.metadata.namespace, labels: sliceLabels(svc), ownerReferences: [owner] },
    addressType,
    endpoints: [],
    ports,
  };
}

const same = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);
const endpointsOf = (s: SliceObject): Endpoint[] => s.endpoints ?? [];

/** placeholderSliceCompare: the same empty slice, whatever its name and bookkeeping metadata. */
function isPlaceholderLike(slice: SliceObject, placeholder: SliceObject): boolean {
  return (
    endpointsOf(slice).length === 0 &&
    (slice.ports ?? []).length === 0 &&
    slice.addressType === placeholder.addressType &&
    same(slice.metadata.labels ?? {}, placeholder.metadata.labels) &&
    same(slice.metadata.ownerReferences ?? [], placeholder.metadata.ownerReferences)
  );
}

/** getSliceToFill: the unchanged slice that `count` more endpoints bring closest to full. */
function sliceToFill(candidates: readonly SliceObject[], count: number, max: number): SliceObject | undefined {
  let best: SliceObject | undefined;
  let bestRoom = max;
  for (const s of candidates) {
    const room = max - (count + endpointsOf(s).length);
    if (room >= 0 && room < bestRoom) {
      bestRoom = room;
      best = s;
      if (room === 0) break;
    }
  }
  return best;
}

interface FamilyPlan {
  create: SliceObject[];
  update: SliceObject[];
  delete: SliceObject[];
}

/** reconcileByPortMapping: one port group's existing slices against its desired endpoints. */
function planPortGroup(svc: ServiceObject, addressType: AddressType, existing: readonly SliceObject[], group: PortGroup, max: number, labels: Record<string, string>): FamilyPlan {
  const remaining = new Map(group.endpoints);
  const toUpdate = new Map<string, SliceObject>();
  const unchanged: SliceObject[] = [];
  const toDelete: SliceObject[] = [];
  for (const slice of existing) {
    const kept: Endpoint[] = [];
    let changed = false;
    for (const e of endpointsOf(slice)) {
      const k = endpointKey(e);
      const want = remaining.get(k);
      if (!want) continue;
      kept.push(want);
      if (!sameEndpoint(want, e)) changed = true;
      remaining.delete(k);
    }
    const labelsChanged = !same(slice.metadata.labels ?? {}, labels);
    if (changed || kept.length !== endpointsOf(slice).length) {
      if (kept.length === 0) toDelete.push(slice);
      else toUpdate.set(slice.metadata.name!, { ...slice, metadata: { ...slice.metadata, labels }, endpoints: kept });
    } else if (labelsChanged) {
      toUpdate.set(slice.metadata.name!, { ...slice, metadata: { ...slice.metadata, labels } });
    } else {
      unchanged.push(slice);
    }
  }

  const pending = [...remaining.values()];
  let next = 0;
  /** Moves pending endpoints into `slice` (a copy this plan owns) until it is full. */
  const fill = (slice: SliceObject) => {
    const room = max - endpointsOf(slice).length;
    if (room <= 0 || next >= pending.length) return;
    slice.endpoints = [...endpointsOf(slice), ...pending.slice(next, next + room)];
    next = Math.min(pending.length, next + room);
  };
  // Fill the slices that are being written anyway, fullest first.
  for (const slice of [...toUpdate.values()].sort((a, b) => endpointsOf(b).length - endpointsOf(a).length)) fill(slice);
  const create: SliceObject[] = [];
  while (next < pending.length) {
    let target: SliceObject | undefined;
    if (pending.length - next < max) {
      const fit = sliceToFill(unchanged, pending.length - next, max);
      if (fit) {
        unchanged.splice(unchanged.indexOf(fit), 1);
        target = { ...fit, endpoints: [...endpointsOf(fit)] };
        toUpdate.set(fit.metadata.name!, target);
      }
    }
    if (!target) {
      target = newSlice(svc, addressType, group.ports);
      create.push(target);
    }
    fill(target);
  }
  return { create, update: [...toUpdate.values()], delete: toDelete };
}

/** reconcileByAddressType: every port group of one family, plus the placeholder rule. */
function planFamily(svc: ServiceObject, addressType: AddressType, existing: readonly SliceObject[], groups: Map<string, PortGroup>, max: number): FamilyPlan {
  const labels = sliceLabels(svc);
  const plan: FamilyPlan = { create: [], update: [], delete: [] };
  const byPorts = new Map<string, SliceObject[]>();
  for (const slice of existing) {
    if (!ownedBy(slice, svc)) {
      plan.delete.push(slice);
      continue;
    }
    const key = portsKey(slice.ports);
    byPorts.set(key, [...(byPorts.get(key) ?? []), slice]);
  }
  for (const [key, group] of groups) {
    const part = planPortGroup(svc, addressType, byPorts.get(key) ?? [], group, max, labels);
    plan.create.push(...part.create);
    plan.update.push(...part.update);
    plan.delete.push(...part.delete);
  }
  for (const [key, slices] of byPorts) if (!groups.has(key)) plan.delete.push(...slices);

  if (existing.length === plan.delete.length && plan.create.length === 0) {
    const placeholder = newSlice(svc, addressType, []);
    if (plan.delete.length === 1 && isPlaceholderLike(plan.delete[0], placeholder)) plan.delete = [];
    else plan.create.push(placeholder);
  }

  // A slice about to be deleted takes the place of one about to be created.
  for (let i = 0; i < plan.delete.length && plan.create.length > 0; ) {
    const old = plan.delete[i];
    if (old.addressType === addressType && ownedBy(old, svc)) {
      const fresh = plan.create.pop()!;
      const { generateName: _unused, ...meta } = fresh.metadata;
      plan.update.push({ ...fresh, metadata: { ...old.metadata, ...meta, name: old.metadata.name } });
      plan.delete.splice(i, 1);
    } else i++;
  }
  return plan;
}

/** What to write so the Service's managed slices match its pods. */
export function planEndpointSlices(input: SlicePlanInput): SlicePlan {
  const { service: svc } = input;
  const max = input.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
  const families = serviceAddressTypes(svc);
  const plan: SlicePlan = { create: [], update: [], delete: [], podsWithoutNode: 0 };
  const live = input.slices.filter((s) => !s.metadata.deletionTimestamp);
  for (const slice of live) if (!families.includes(slice.addressType as AddressType)) plan.delete.push(slice);
  for (const family of families) {
    const desired = desiredEndpoints(svc, input.pods, input.node, family);
    plan.podsWithoutNode = Math.max(plan.podsWithoutNode, desired.podsWithoutNode);
    const part = planFamily(svc, family, live.filter((s) => s.addressType === family), desired.groups, max);
    plan.create.push(...part.create);
    plan.update.push(...part.update);
    plan.delete.push(...part.delete);
  }
  return plan;
}
