// One Service → its chains, affinity sets and map elements in the `ip gantry` table (pure).
//
// Per service port (see README.md for the whole table and an example):
//
//   service-ips[clusterIP . proto . port]  ─goto─► service-… (Cluster policy) or local-… (Local)
//   service-ips[externalIP/LB IP . proto . port] ┐
//   service-nodeports[proto . nodePort]          ┴goto─► external-… ─► service-… / local-…
//   service-…/local-…: affinity lookups, then numgen random mod N vmap { i : goto endpoint-… }
//   endpoint-…: hairpin masquerade mark, affinity update, dnat to ip:port
//
// A port without usable endpoints gets elements in the no-endpoint maps instead (reject, or
// drop for a Local policy without local endpoints), checked after DNAT (base-rules.ts).
// The structure is kube-proxy's nftables mode; see syncProxyRules in its proxier.go.

import type { ServiceInfo, ServicePort } from "../services/catalog";
import { categorizeEndpoints, portEndpoints, type PortEndpoint } from "./endpoints";
import { endpointNames, servicePortChains, type ServicePortName } from "./names";
import { podRanges, type Chain, type Element, type ProxyFacts, type ServiceRules, type AffinitySet } from "./types";
import { isIPv4, isObjectName, isPort } from "./validate";

export const MARK_FOR_MASQUERADE = "mark-for-masquerade";
export const REJECT_CHAIN = "reject-chain";

class RulesBuilder {
  private readonly chains = new Map<string, string[]>();
  readonly elements: Element[] = [];
  readonly affinitySets: AffinitySet[] = [];

  chain(name: string): string[] {
    let rules = this.chains.get(name);
    if (!rules) this.chains.set(name, (rules = []));
    return rules;
  }

  element(container: Element["container"], key: string, value = ""): void {
    this.elements.push({ container, key, value });
  }

  chainList(): Chain[] {
    return [...this.chains].map(([name, rules]) => ({ name, rules }));
  }
}

export function emptyRules(key: string, warnings: string[] = []): ServiceRules {
  return { key, chains: [], affinitySets: [], elements: [], udp: [], warnings };
}

export function buildServiceRules(svc: ServiceInfo, facts: ProxyFacts): ServiceRules {
  const key = `${svc.namespace}/${svc.name}`;
  if (!isObjectName(svc.namespace) || !isObjectName(svc.name)) return emptyRules(key, [`service ${JSON.stringify(key)} has an invalid name; skipped`]);
  const clusterIP = svc.clusterIPs.find(isIPv4);
  // ExternalName and headless services have no virtual address: DNS serves them.
  if (svc.type === "ExternalName" || svc.headless || clusterIP === undefined) return emptyRules(key);

  const warnings: string[] = [];
  const externalIPs = unique([...svc.externalIPs, ...svc.loadBalancerIPs].filter(isIPv4));
  const b = new RulesBuilder();
  const udp: ServiceRules["udp"] = [];
  for (const port of svc.ports) {
    if (!isPort(port.port) || (port.nodePort !== 0 && !isPort(port.nodePort)) || (port.name !== "" && !isObjectName(port.name))) {
      warnings.push(`service ${key} port ${JSON.stringify(port.name)} (${port.port}) is invalid; skipped`);
      continue;
    }
    const eps = portEndpoints(svc, port, facts.nodeName);
    addPort(b, svc, port, clusterIP, externalIPs, eps, facts);
    if (port.protocol === "UDP") {
      udp.push({ serviceIPs: [clusterIP, ...externalIPs], nodePort: port.nodePort, servingEndpointIPs: unique(eps.filter((e) => e.serving).map((e) => e.ip)) });
    }
  }
  return { key, chains: b.chainList(), affinitySets: b.affinitySets, elements: b.elements, udp, warnings };
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

function addPort(b: RulesBuilder, svc: ServiceInfo, port: ServicePort, clusterIP: string, externalIPs: string[], eps: PortEndpoint[], facts: ProxyFacts): void {
  const proto = port.protocol.toLowerCase();
  const name: ServicePortName = { namespace: svc.namespace, name: svc.name, protocol: proto, port: port.name };
  const chains = servicePortChains(name);
  const internalLocal = svc.internalTrafficPolicy === "Local";
  const externalLocal = svc.externalTrafficPolicy === "Local";
  const externallyAccessible = port.nodePort !== 0 || externalIPs.length > 0;
  const cat = categorizeEndpoints(eps, { internalLocal, externalLocal, externallyAccessible });
  const pods = podRanges(facts).length > 0;

  const usesClusterChain = cat.cluster.length > 0;
  const usesLocalChain = cat.local.length > 0;
  const internalChain = internalLocal ? chains.local : chains.cluster;
  const hasInternal = cat.hasAny && (!internalLocal || usesLocalChain);
  const externalPolicyChain = externalLocal ? chains.local : chains.cluster;
  const hasExternal = cat.hasAny && (!externalLocal || usesLocalChain);
  const usesExternalChain = cat.hasAny && externallyAccessible;
  // No endpoint anywhere: reject (the client learns at once). Endpoints, but none this policy
  // may use: drop, as kube-proxy does (another node may well serve the client).
  const internalFilter = cat.hasAny ? "drop" : `goto ${REJECT_CHAIN}`;
  const externalFilter = internalFilter;

  const svcPortKey = (ip: string) => `${ip} . ${proto} . ${port.port}`;
  b.element("cluster-ips", clusterIP);
  if (hasInternal) b.element("service-ips", svcPortKey(clusterIP), `goto ${internalChain}`);
  else b.element("no-endpoint-services", svcPortKey(clusterIP), internalFilter);
  for (const ip of externalIPs) {
    if (usesExternalChain) b.element("service-ips", svcPortKey(ip), `goto ${chains.external}`);
    if (!hasExternal) b.element("no-endpoint-services", svcPortKey(ip), externalFilter);
  }
  if (port.nodePort !== 0) {
    if (usesExternalChain) b.element("service-nodeports", `${proto} . ${port.nodePort}`, `goto ${chains.external}`);
    if (!hasExternal) b.element("no-endpoint-nodeports", `${proto} . ${port.nodePort}`, externalFilter);
  }

  // ClusterIP traffic from outside the pod ranges (the node itself, or a router sending the
  // service range here) may be answered by a pod on another node: masquerade it so the reply
  // comes back through this node's conntrack.
  if (hasInternal && pods) {
    b.chain(internalChain).push(`ip daddr ${clusterIP} ${proto} dport ${port.port} ip saddr != @cluster-cidrs jump ${MARK_FOR_MASQUERADE}`);
  }

  if (usesExternalChain) {
    const ext = b.chain(chains.external);
    if (!externalLocal) {
      // The endpoint may be on another node: masquerade so its reply returns through here.
      ext.push(`jump ${MARK_FOR_MASQUERADE}`);
    } else {
      // Pods and the node itself are not "external": they skip the Local policy, as if they had
      // gone out to a load balancer and come back. The node's own traffic carries a local
      // source address (127.0.0.1 for localhost NodePorts), which needs masquerading.
      if (pods) ext.push(`ip saddr @cluster-cidrs goto ${chains.cluster}`);
      ext.push(`fib saddr type local jump ${MARK_FOR_MASQUERADE}`);
      ext.push(`fib saddr type local goto ${chains.cluster}`);
    }
    // Without a usable endpoint the packet falls through undelivered and the no-endpoint map
    // drops it after DNAT.
    if (hasExternal) ext.push(`goto ${externalPolicyChain}`);
  }

  const affinity = svc.sessionAffinity === "ClientIP";
  if (affinity) {
    for (const e of cat.reachable) b.affinitySets.push({ name: endpointNames(name, e.ip, e.port).affinitySet, timeoutSeconds: affinityTimeout(svc) });
  }
  if (usesClusterChain) spreadRules(b.chain(chains.cluster), name, cat.cluster, affinity);
  if (usesLocalChain) spreadRules(b.chain(chains.local), name, cat.local, affinity);

  for (const e of cat.reachable) {
    const n = endpointNames(name, e.ip, e.port);
    const rules = b.chain(n.chain);
    // Hairpin: a pod reaching itself through the Service would see its own address as the
    // source and answer itself directly; masquerading makes the reply go back through here.
    rules.push(`ip saddr ${e.ip} jump ${MARK_FOR_MASQUERADE}`);
    if (affinity) rules.push(`update @${n.affinitySet} { ip saddr }`);
    rules.push(`meta l4proto ${proto} dnat to ${e.ip}:${e.port}`);
  }
}

function affinityTimeout(svc: ServiceInfo): number {
  const t = svc.sessionAffinityTimeoutSeconds;
  return Number.isInteger(t) && t > 0 && t <= 86400 ? t : 10800;
}

/** A client remembered in an endpoint's affinity set goes back to it; everyone else is spread
 *  at random (numgen: uniform, stateless, one lookup). */
function spreadRules(rules: string[], name: ServicePortName, eps: PortEndpoint[], affinity: boolean): void {
  const chainsOf = eps.map((e) => endpointNames(name, e.ip, e.port));
  if (affinity) for (const n of chainsOf) rules.push(`ip saddr @${n.affinitySet} goto ${n.chain}`);
  rules.push(`numgen random mod ${eps.length} vmap { ${chainsOf.map((n, i) => `${i} : goto ${n.chain}`).join(", ")} }`);
}
