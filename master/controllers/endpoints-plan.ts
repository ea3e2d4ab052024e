// The Endpoints controller's decisions (pkg/controller/endpoint), without I/O: the core/v1
// Endpoints object a Service with a selector should have, and whether the stored one differs.
//
// Per selected pod that is not terminal and has an IP of the Service's first family (terminating
// pods only with publishNotReadyAddresses): one address (ip, nodeName, targetRef, and hostname
// when the pod's subdomain is this Service), ready when the pod's Ready condition is True or the
// Service publishes not-ready addresses, for every service port the pod resolves (a named
// targetPort is looked up in the pod's container ports, so pods may differ; a pod that lacks the
// port is left out of it). A headless Service without ports gets port-less subsets. Then, as
// upstream's RepackSubsets: addresses offering the same ports with the same readiness share one
// subset, everything sorted, so equal inputs always give equal objects and a resync writes
// nothing.

import type { EndpointAddress, EndpointPort, EndpointSubset, Endpoints } from "kubernetes-types/core/v1";
import type { KubeObject } from "../../api/object";
import { canonicalJson, isPodReady } from "./controller-utils";
import {
  HEADLESS_LABEL,
  findPort,
  isHeadless,
  isServiceIPSet,
  podIPsOfFamily,
  selectedPods,
  serviceAddressTypes,
  shouldPodBeInEndpoints,
  shouldSetHostname,
  type PodObject,
  type ServiceObject,
} from "./service-backends";

/** At most this many addresses are kept in one Endpoints object (upstream's maxCapacity). */
export const MAX_ENDPOINTS_ADDRESSES = 1000;
export const OVER_CAPACITY_ANNOTATION = "endpoints.kubernetes.io/over-capacity";

export type EndpointsObject = Endpoints & KubeObject;

function addressFor(svc: ServiceObject, pod: PodObject): EndpointAddress | undefined {
  const [family] = serviceAddressTypes(svc);
  const [ip] = podIPsOfFamily(pod, family);
  if (!ip) return undefined;
  const address: EndpointAddress = { ip };
  if (shouldSetHostname(pod, svc)) address.hostname = pod.spec!.hostname;
  if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName;
  address.targetRef = { kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
  return address;
}

interface Offer {
  address: EndpointAddress;
  /** undefined: a headless Service without ports. */
  port?: EndpointPort;
  ready: boolean;
}

/** Every (address, port, readiness) the selected pods offer. */
function offers(svc: ServiceObject, pods: readonly KubeObject[]): Offer[] {
  const tolerateUnready = svc.spec?.publishNotReadyAddresses === true;
  const servicePorts = svc.spec?.ports ?? [];
  const out: Offer[] = [];
  for (const pod of selectedPods(svc, pods)) {
    if (!shouldPodBeInEndpoints(pod, tolerateUnready)) continue;
    const address = addressFor(svc, pod);
    if (!address) continue;
    const ready = tolerateUnready || isPodReady(pod);
    if (servicePorts.length === 0) {
      if (isHeadless(svc)) out.push({ address, ready });
      continue;
    }
    for (const sp of servicePorts) {
      const number = findPort(pod, sp);
      if (number === undefined) continue;
      const port: EndpointPort = { port: number, protocol: sp.protocol ?? "TCP" };
      if (sp.name) port.name = sp.name;
      if (sp.appProtocol) port.appProtocol = sp.appProtocol;
      out.push({ address, port, ready });
    }
  }
  return out;
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const addressKey = (a: EndpointAddress): string => `${a.ip}\u0000${a.targetRef?.uid ?? ""}`;
const byAddress = (a: EndpointAddress, b: EndpointAddress): number => compareStrings(addressKey(a), addressKey(b));
const portKey = (p: EndpointPort | undefined): string => (p ? `${p.name ?? ""}\u0000${p.port}\u0000${p.protocol}\u0000${p.appProtocol ?? ""}` : "");

/** RepackSubsets: one subset per distinct set of (address, readiness) offering the same ports. */
export function repackSubsets(list: readonly Offer[]): EndpointSubset[] {
  // port -> address key -> ready (ready wins when an address is offered twice)
  const byPort = new Map<string, { port?: EndpointPort; addresses: Map<string, { address: EndpointAddress; ready: boolean }> }>();
  for (const o of list) {
    const k = portKey(o.port);
    let entry = byPort.get(k);
    if (!entry) byPort.set(k, (entry = { port: o.port, addresses: new Map() }));
    const a = addressKey(o.address);
    const seen = entry.addresses.get(a);
    if (!seen || (!seen.ready && o.ready)) entry.addresses.set(a, { address: o.address, ready: o.ready });
  }
  // address set (with readiness) -> the ports that offer exactly it
  const groups = new Map<string, { addresses: { address: EndpointAddress; ready: boolean }[]; ports: EndpointPort[] }>();
  for (const { port, addresses } of byPort.values()) {
    const members = [...addresses.values()].sort((x, y) => byAddress(x.address, y.address));
    const k = members.map((m) => `${addressKey(m.address)}\u0000${m.ready}`).join("\u0001");
    let group = groups.get(k);
    if (!group) groups.set(k, (group = { addresses: members, ports: [] }));
    if (port) group.ports.push(port);
  }
  const subsets = [...groups.values()].map(({ addresses, ports }) => {
    const subset: EndpointSubset = {};
    const ready = addresses.filter((m) => m.ready).map((m) => m.address);
    const notReady = addresses.filter((m) => !m.ready).map((m) => m.address);
    if (ready.length > 0) subset.addresses = ready;
    if (notReady.length > 0) subset.notReadyAddresses = notReady;
    if (ports.length > 0) subset.ports = ports.sort((x, y) => compareStrings(portKey(x), portKey(y)));
    return subset;
  });
  return subsets.sort((x, y) => compareStrings(canonicalJson(x), canonicalJson(y)));
}

/**
 * Keeps at most `max` addresses: ready ones first, in subset order, then not-ready ones.
 * (Upstream spreads the cut over the subsets in proportion; either way the object says it was
 * truncated.) Returns whether anything was dropped.
 */
function truncate(subsets: EndpointSubset[], max: number): boolean {
  const total = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
  if (total <= max) return false;
  let room = max;
  for (const s of subsets) {
    if (!s.addresses) continue;
    s.addresses = s.addresses.slice(0, room);
    room -= s.addresses.length;
  }
  for (const s of subsets) {
    if (!s.notReadyAddresses) continue;
    s.notReadyAddresses = s.notReadyAddresses.slice(0, room);
    room -= s.notReadyAddresses.length;
  }
  for (const s of subsets) {
    if (s.addresses?.length === 0) delete s.addresses;
    if (s.notReadyAddresses?.length === 0) delete s.notReadyAddresses;
  }
  subsets.splice(0, subsets.length, ...subsets.filter((s) => s.addresses || s.notReadyAddresses));
  return true;
}

/** The subsets a Service's Endpoints should list. */
export function desiredSubsets(svc: ServiceObject, pods: readonly KubeObject[]): EndpointSubset[] {
  return repackSubsets(offers(svc, pods));
}

/** The Service's labels, plus the headless label when it has no cluster IP. */
export function endpointsLabels(svc: ServiceObject): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if (isServiceIPSet(svc)) delete labels[HEADLESS_LABEL];
  else labels[HEADLESS_LABEL] = "";
  return labels;
}

export type EndpointsPlan = { action: "none" } | { action: "create" | "update"; endpoints: EndpointsObject };

/**
 * What to write for a Service that has a selector (the caller leaves selector-less and
 * ExternalName Services alone): nothing when `current` already lists the desired subsets with
 * the desired labels and capacity annotation; otherwise the object to create or the updated copy
 * of `current` (its other metadata kept).
 */
export function planEndpoints(svc: ServiceObject, pods: readonly KubeObject[], current: EndpointsObject | undefined, max = MAX_ENDPOINTS_ADDRESSES): EndpointsPlan {
  const subsets = desiredSubsets(svc, pods);
  const truncated = truncate(subsets, max);
  const labels = endpointsLabels(svc);
  const annotations: Record<string, string> = { ...(current?.metadata.annotations ?? {}) };
  if (truncated) annotations[OVER_CAPACITY_ANNOTATION] = "truncated";
  else delete annotations[OVER_CAPACITY_ANNOTATION];

  const body = (base: KubeObject["metadata"]): EndpointsObject => {
    const metadata = { ...base, labels };
    if (Object.keys(labels).length === 0) delete (metadata as { labels?: unknown }).labels;
    if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
    else delete metadata.annotations;
    const ep = { apiVersion: "v1", kind: "Endpoints", metadata } as EndpointsObject;
    if (subsets.length > 0) ep.subsets = subsets;
    return ep;
  };
  if (!current) return { action: "create", endpoints: body({ name: svc.metadata.name, namespace: svc.metadata.namespace }) };
  const unchanged =
    canonicalJson(current.subsets ?? []) === canonicalJson(subsets) &&
    canonicalJson(current.metadata.labels ?? {}) === canonicalJson(labels) &&
    canonicalJson(current.metadata.annotations ?? {}) === canonicalJson(annotations);
  return unchanged ? { action: "none" } : { action: "update", endpoints: body(current.metadata) };
}
