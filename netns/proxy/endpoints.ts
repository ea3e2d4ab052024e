// Which endpoints a service port sends traffic to, from this node (pure).
//
// The rules are kube-proxy's (pkg/proxy/topology.go, CategorizeEndpoints):
// - Cluster traffic policy uses the ready endpoints; when there are none, the serving and
//   terminating ones (a rolling update whose old pods still answer keeps working).
// - Local traffic policy uses this node's ready endpoints, or else this node's serving and
//   terminating ones.
// - A port "uses cluster endpoints" when internalTrafficPolicy is Cluster, or when it is
//   reachable from outside at all (even with externalTrafficPolicy Local: pods and the node
//   itself reaching a NodePort skip the policy, as if they went out to a load balancer and
//   came back).

import type { Endpoint, ServiceInfo, ServicePort } from "../services/catalog";
import { isIPv4 } from "./validate";

export interface PortEndpoint {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** On this node. */
  local: boolean;
}

/**
 * The endpoints serving `port`: those listing a port with the service port's name and
 * protocol. The first IPv4 address of an endpoint counts (as in EndpointSlices, where every
 * address of one endpoint is the same pod). Sorted by address and port, duplicates merged, so
 * the order (and with it the generated rules) does not depend on slice order.
 */
export function portEndpoints(svc: ServiceInfo, port: ServicePort, nodeName: string): PortEndpoint[] {
  const byAddress = new Map<string, PortEndpoint>();
  for (const e of svc.endpoints) {
    const ip = e.addresses.find(isIPv4);
    const p = e.ports.find((x) => x.name === port.name && x.protocol === port.protocol);
    if (ip === undefined || p === undefined || !Number.isInteger(p.port) || p.port < 1 || p.port > 65535) continue;
    const key = `${ip}:${p.port}`;
    const found = byAddress.get(key);
    const ep = fromEndpoint(e, ip, p.port, nodeName);
    // Two slices naming one address: the better condition wins (what a client would want).
    byAddress.set(key, found === undefined ? ep : merge(found, ep));
  }
  return [...byAddress.values()].sort(compareEndpoints);
}

function fromEndpoint(e: Endpoint, ip: string, port: number, nodeName: string): PortEndpoint {
  return { ip, port, ready: e.ready, serving: e.serving || e.ready, terminating: e.terminating, local: e.nodeName !== "" && e.nodeName === nodeName };
}

function merge(a: PortEndpoint, b: PortEndpoint): PortEndpoint {
  return { ...a, ready: a.ready || b.ready, serving: a.serving || b.serving, terminating: a.terminating && b.terminating, local: a.local || b.local };
}

function ipNumber(ip: string): number {
  return ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}

export function compareEndpoints(a: PortEndpoint, b: PortEndpoint): number {
  return ipNumber(a.ip) - ipNumber(b.ip) || a.port - b.port;
}

export interface TrafficPolicies {
  internalLocal: boolean;
  externalLocal: boolean;
  /** Has a NodePort, a LoadBalancer IP or an external IP. */
  externallyAccessible: boolean;
}

export interface CategorizedEndpoints {
  /** For Cluster policy (empty when the port does not use it). */
  cluster: PortEndpoint[];
  /** For Local policies (empty when the port does not use them). */
  local: PortEndpoint[];
  /** Every endpoint a chain is needed for: cluster ∪ local. */
  reachable: PortEndpoint[];
  /** Some usable endpoint exists anywhere in the cluster. */
  hasAny: boolean;
}

const isServingTerminating = (e: PortEndpoint) => e.serving && e.terminating;

export function usesClusterEndpoints(p: TrafficPolicies): boolean {
  return !p.internalLocal || p.externallyAccessible;
}

export function usesLocalEndpoints(p: TrafficPolicies): boolean {
  return p.internalLocal || (p.externallyAccessible && p.externalLocal);
}

export function categorizeEndpoints(eps: PortEndpoint[], p: TrafficPolicies): CategorizedEndpoints {
  let hasAny = false;
  let cluster: PortEndpoint[] = [];
  if (usesClusterEndpoints(p)) {
    cluster = eps.filter((e) => e.ready);
    if (cluster.length === 0) cluster = eps.filter(isServingTerminating);
    hasAny = cluster.length > 0;
  }
  if (!usesLocalEndpoints(p)) return { cluster, local: [], reachable: cluster, hasAny };

  hasAny ||= eps.some((e) => e.ready || isServingTerminating(e));
  let local = eps.filter((e) => e.local && e.ready);
  if (local.length === 0) local = eps.filter((e) => e.local && isServingTerminating(e));
  if (!usesClusterEndpoints(p)) return { cluster: [], local, reachable: local, hasAny };

  const reachable = [...cluster];
  for (const e of local) if (!reachable.includes(e)) reachable.push(e);
  return { cluster, local, reachable: reachable.sort(compareEndpoints), hasAny };
}
