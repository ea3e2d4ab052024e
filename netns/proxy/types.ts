// The proxy's data model: what the builder produces for one Service and what the node adds.
// Pure data; script.ts turns it into `nft -f` text, state.ts remembers what is programmed.

/** Everything about this node that shapes the ruleset (besides the Services). */
export interface ProxyFacts {
  nodeName: string;
  /** Addresses NodePorts answer on: every IPv4 address of the node, 127.0.0.1 included. */
  nodePortAddresses: string[];
  /** This node's pod ranges (NodeConfig.pod_cidrs). */
  podCIDRs: string[];
  /** The cluster's pod ranges (NodeConfig.cluster_cidrs). */
  clusterCIDRs: string[];
  /** The Service ranges (NodeConfig.service_cidrs): addresses no Service holds are rejected. */
  serviceCIDRs: string[];
  /** Masquerade pod traffic that leaves the cluster range (`--masquerade-outside`). */
  masqueradeOutside: boolean;
}

/** Ranges whose sources count as "pods" (kube-proxy's local-traffic detector): the cluster
 *  range, or this node's pod range while the cluster range is unknown. */
export function podRanges(f: ProxyFacts): string[] {
  return f.clusterCIDRs.length > 0 ? f.clusterCIDRs : f.podCIDRs;
}

/** The verdict maps and sets whose elements belong to services. */
export type ElementContainer = "cluster-ips" | "service-ips" | "service-nodeports" | "no-endpoint-services" | "no-endpoint-nodeports";

export const ELEMENT_CONTAINERS: readonly ElementContainer[] = ["cluster-ips", "service-ips", "service-nodeports", "no-endpoint-services", "no-endpoint-nodeports"];

export interface Element {
  container: ElementContainer;
  /** nft key text, e.g. "10.96.0.10 . udp . 53". */
  key: string;
  /** nft verdict text ("goto service-…", "drop"); "" in a set. */
  value: string;
}

export interface Chain {
  name: string;
  /** Rule bodies in order (what follows `add rule ip gantry <chain>`). */
  rules: string[];
}

export interface AffinitySet {
  name: string;
  timeoutSeconds: number;
}

/** A UDP service port's addresses and serving endpoints: conntrack entries for them that do
 *  not point at a serving endpoint are deleted after a sync (conntrack.ts). */
export interface UdpTarget {
  serviceIPs: string[];
  nodePort: number;
  servingEndpointIPs: string[];
}

/** Everything the table holds for one Service. */
export interface ServiceRules {
  /** "namespace/name". */
  key: string;
  chains: Chain[];
  affinitySets: AffinitySet[];
  elements: Element[];
  udp: UdpTarget[];
  /** Input the builder skipped (bad names, addresses); logged by the proxy. */
  warnings: string[];
}
