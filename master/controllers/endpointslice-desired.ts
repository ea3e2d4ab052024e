// What the EndpointSlices of a Service should hold, before packing into slices (upstream's
// reconciler: podToEndpoint, getEndpointPorts): per address family, the selected pods' endpoints
// grouped by the ports they resolve to. Pure: no I/O.
//
// Every selected pod that is not terminal and has an IP of the family becomes one endpoint,
// terminating pods included, with conditions as upstream sets them:
//   serving     = the pod's Ready condition is True
//   terminating = the pod has a deletionTimestamp
//   ready       = publishNotReadyAddresses, or serving and not terminating
// plus nodeName, the zone label of its node, targetRef, and a hostname when the pod's subdomain
// is this Service. Pods whose node is not (yet) known are left out — unless the Service
// publishes not-ready addresses — and counted, so the caller can look again later. As upstream,
// a pod that resolves none of the Service's ports still gets an endpoint, in a port-less group
// (the Endpoints controller leaves such a pod out).

import type { Endpoint, EndpointPort } from "kubernetes-types/discovery/v1";
import type { KubeObject } from "../../api/object";
import { isPodReady } from "./controller-utils";
import { ZONE_LABEL } from "./node-lifecycle-core";
import { findPort, isHeadless, podIPsOfFamily, selectedPods, shouldPodBeInEndpoints, shouldSetHostname, type PodObject, type ServiceObject } from "./service-backends";

export { ZONE_LABEL };

export type AddressType = "IPv4" | "IPv6";

/** The endpoints that resolve a Service's ports to the same numbers. */
export interface PortGroup {
  /** Canonical form of `ports` (sorted), the group's identity. */
  key: string;
  ports: EndpointPort[];
  /** By endpointKey, in pod-name order. */
  endpoints: Map<string, Endpoint>;
}

export interface DesiredEndpoints {
  groups: Map<string, PortGroup>;
  /** Pods left out because their node is not in the cache. */
  podsWithoutNode: number;
}

/** getEndpointPorts: the service ports this pod serves, with resolved numbers. */
export function endpointPorts(svc: ServiceObject, pod: PodObject): EndpointPort[] {
  const servicePorts = svc.spec?.ports ?? [];
  if (servicePorts.length === 0 && isHeadless(svc)) return [];
  const out: EndpointPort[] = [];
  for (const sp of servicePorts) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const ep: EndpointPort = { name: sp.name ?? "", port, protocol: sp.protocol ?? "TCP" };
    if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out;
}

/** The identity of a set of ports, whatever their order. */
export function portsKey(ports: readonly EndpointPort[] | null | undefined): string {
  return (ports ?? [])
    .map((p) => `${p.name ?? ""}/${p.protocol ?? ""}/${p.port ?? ""}/${p.appProtocol ?? ""}`)
    .sort()
    .join("|");
}

/**
 * An endpoint's identity within a Service (upstream's hashEndpoint): its addresses, hostname
 * and the pod it refers to. Other fields (conditions, node, zone) are its state.
 */
export function endpointKey(e: Endpoint): string {
  const addresses = e.addresses.length > 1 ? [...e.addresses].sort() : e.addresses;
  return `${addresses.join(",")}|${e.hostname ?? ""}|${e.targetRef?.namespace ?? ""}/${e.targetRef?.name ?? ""}`;
}

const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined): boolean =>
  (a ?? []).length === (b ?? []).length && (a ?? []).every((x, i) => x === b![i]);

/**
 * Whether two endpoints are the same in every field this controller writes (a cheaper
 * canonicalJson comparison; it runs for every endpoint of a Service on every sync).
 */
export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  const ca = a.conditions ?? {};
  const cb = b.conditions ?? {};
  const ra = a.targetRef ?? {};
  const rb = b.targetRef ?? {};
  return (
    sameList(a.addresses, b.addresses) &&
    ca.ready === cb.ready &&
    ca.serving === cb.serving &&
    ca.terminating === cb.terminating &&
    a.nodeName === b.nodeName &&
    a.zone === b.zone &&
    a.hostname === b.hostname &&
    ra.kind === rb.kind &&
    ra.namespace === rb.namespace &&
    ra.name === rb.name &&
    ra.uid === rb.uid &&
    a.hints === undefined &&
    b.hints === undefined &&
    a.deprecatedTopology === undefined &&
    b.deprecatedTopology === undefined
  );
}

export function podToEndpoint(pod: PodObject, node: KubeObject | undefined, svc: ServiceObject, addressType: AddressType): Endpoint {
  const serving = isPodReady(pod);
  const terminating = pod.metadata.deletionTimestamp !== undefined;
  const ready = svc.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const endpoint: Endpoint = {
    addresses: podIPsOfFamily(pod, addressType),
    conditions: { ready, serving, terminating },
    targetRef: { kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
  };
  if (pod.spec?.nodeName) endpoint.nodeName = pod.spec.nodeName;
  const zone = node?.metadata.labels?.[ZONE_LABEL];
  if (zone) endpoint.zone = zone;
  if (shouldSetHostname(pod, svc)) endpoint.hostname = pod.spec!.hostname;
  return endpoint;
}

/** The desired endpoints of one address family, grouped by resolved ports. */
export function desiredEndpoints(svc: ServiceObject, pods: readonly KubeObject[], node: (name: string) => KubeObject | undefined, addressType: AddressType): DesiredEndpoints {
  const groups = new Map<string, PortGroup>();
  let podsWithoutNode = 0;
  const selected = selectedPods(svc, pods).sort((a, b) => ((a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : 1));
  for (const pod of selected) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const nodeObj = pod.spec?.nodeName ? node(pod.spec.nodeName) : undefined;
    if (!nodeObj && svc.spec?.publishNotReadyAddresses !== true) {
      podsWithoutNode++;
      continue;
    }
    const endpoint = podToEndpoint(pod, nodeObj, svc, addressType);
    if (endpoint.addresses.length === 0) continue;
    const ports = endpointPorts(svc, pod);
    const key = portsKey(ports);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { key, ports, endpoints: new Map() }));
    group.endpoints.set(endpointKey(endpoint), endpoint);
  }
  return { groups, podsWithoutNode };
}
