// Which pods back a Service and how, with Kubernetes' definitions (pkg/controller/util/endpoint,
// pkg/api/v1/pod): shared by the Endpoints and EndpointSlice controllers and the LoadBalancer
// status controller. Pure: no I/O.

import type { Container, Service, ServicePort } from "kubernetes-types/core/v1";
import type { KubeObject } from "../../api/object";
import { objectKey } from "../../api/object-key";
import { canonicalJson } from "./controller-utils-hash";
import type { PodObject } from "./controller-utils-pods";

export type { PodObject };
export type ServiceObject = Service & KubeObject;

export const asService = (o: KubeObject): ServiceObject => o as ServiceObject;
export const asPod = (o: KubeObject): PodObject => o as PodObject;

/**
 * The Service's selector, or undefined when it has none. An empty selector counts as none:
 * upstream stores Services as protobuf, where `{}` reads back as nil, so `selector: {}` never
 * selects every pod of the namespace there either.
 */
export function serviceSelector(svc: ServiceObject): Record<string, string> | undefined {
  const selector = svc.spec?.selector;
  return selector && Object.keys(selector).length > 0 ? selector : undefined;
}

/** Whether the Service gets its endpoints from a controller: it has a selector and is no ExternalName. */
export function hasManagedEndpoints(svc: ServiceObject): boolean {
  return svc.spec?.type !== "ExternalName" && serviceSelector(svc) !== undefined;
}

export function selectorMatches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels?.[k] !== v) return false;
  return true;
}

/** The pods of the list the Service selects (callers pass its namespace's pods). */
export function selectedPods(svc: ServiceObject, pods: readonly KubeObject[]): PodObject[] {
  const selector = serviceSelector(svc);
  if (!selector) return [];
  return pods.filter((p) => selectorMatches(selector, p.metadata.labels)).map(asPod);
}

/** clusterIP "None": a headless Service (DNS lists its endpoints; no virtual IP). */
export function isHeadless(svc: ServiceObject): boolean {
  return svc.spec?.clusterIP === "None";
}

/** Succeeded or Failed: the pod will never run again. */
export function isPodTerminal(pod: PodObject): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

/** The pod's IPs: status.podIPs, else status.podIP. */
export function podIPs(pod: PodObject): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => !!ip);
  if (ips.length > 0) return ips;
  return pod.status?.podIP ? [pod.status.podIP] : [];
}

/**
 * ShouldPodBeInEndpoints: not terminal, has an IP, and — unless terminating pods are included —
 * not being deleted. The Endpoints controller includes terminating pods only for Services that
 * publish not-ready addresses; the EndpointSlice controller always does (with conditions).
 */
export function shouldPodBeInEndpoints(pod: PodObject, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (podIPs(pod).length === 0) return false;
  return includeTerminating || !pod.metadata.deletionTimestamp;
}

/** Endpoints carry a hostname only for pods that ask for this Service as their subdomain. */
export function shouldSetHostname(pod: PodObject, svc: ServiceObject): boolean {
  return !!pod.spec?.hostname && pod.spec.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace;
}

function isSidecar(c: Container & { restartPolicy?: string }): boolean {
  return c.restartPolicy === "Always";
}

/**
 * FindPort: the container port a service port's targetPort means on this pod. A number is
 * itself (the port number when unset); a name is looked up among the containers' ports (and
 * sidecar init containers') with the service port's protocol, so pods may resolve it
 * differently or not at all (undefined: the pod does not serve this port).
 */
export function findPort(pod: PodObject, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === "number") return target === 0 ? port.port : target;
  const protocol = port.protocol ?? "TCP";
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter(isSidecar)];
  for (const c of containers) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? "TCP") === protocol) return p.containerPort;
  }
  return undefined;
}

/** Kubernetes' helper.IsServiceIPSet: a real cluster IP (not headless, not ExternalName). */
export function isServiceIPSet(svc: ServiceObject): boolean {
  const ip = svc.spec?.clusterIP;
  return !!ip && ip !== "None";
}

/** The label upstream puts on the Endpoints and EndpointSlices of a headless Service. */
export const HEADLESS_LABEL = "service.kubernetes.io/headless";

const isIPv6 = (ip: string): boolean => ip.includes(":");

/**
 * The address families a Service's endpoints come in: spec.ipFamilies, else the cluster IP's
 * family, else (an old headless Service) both, as upstream's getAddressTypesForService.
 */
export function serviceAddressTypes(svc: ServiceObject): ("IPv4" | "IPv6")[] {
  const families = (svc.spec?.ipFamilies ?? []).filter((f): f is "IPv4" | "IPv6" => f === "IPv4" || f === "IPv6");
  if (families.length > 0) return [...new Set(families)];
  if (isServiceIPSet(svc)) return [isIPv6(svc.spec!.clusterIP!) ? "IPv6" : "IPv4"];
  return ["IPv4", "IPv6"];
}

/** The pod's IPs of one family, in status order. */
export function podIPsOfFamily(pod: PodObject, family: "IPv4" | "IPv6"): string[] {
  return podIPs(pod).filter((ip) => isIPv6(ip) === (family === "IPv6"));
}

/**
 * Everything about a pod that its endpoints depend on. Pod updates that leave it unchanged
 * (most status writes: restarts, container states) do not concern the endpoint controllers.
 */
export function endpointInputsOf(pod: PodObject): string {
  const spec = pod.spec;
  const ports = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].map((c) => [c.name, (c as { restartPolicy?: string }).restartPolicy ?? "", c.ports ?? []]);
  const ready = pod.status?.conditions?.find((c) => c.type === "Ready")?.status ?? "";
  return canonicalJson([pod.metadata.labels ?? {}, pod.metadata.deletionTimestamp ?? "", podIPs(pod), pod.status?.phase ?? "", ready, spec?.nodeName ?? "", spec?.hostname ?? "", spec?.subdomain ?? "", ports]);
}

/**
 * The keys ("namespace/name") of the Services a pod event concerns: those selecting the pod
 * before or after the change, or none when nothing its endpoints depend on changed.
 * `servicesIn(namespace)` lists a namespace's Services (an informer cache).
 */
export function serviceKeysForPodEvent(servicesIn: (namespace: string) => readonly KubeObject[], old: KubeObject | undefined, pod: KubeObject | undefined): string[] {
  if (old && pod && endpointInputsOf(asPod(old)) === endpointInputsOf(asPod(pod))) return [];
  const keys = new Set<string>();
  for (const p of [old, pod]) {
    if (!p) continue;
    for (const s of servicesIn(p.metadata.namespace ?? "")) {
      const selector = serviceSelector(asService(s));
      if (selector && selectorMatches(selector, p.metadata.labels)) keys.add(objectKey(s));
    }
  }
  return [...keys];
}
