// The fixed part of the `ip gantry` table: base chains on the netfilter hooks, the dispatch
// and check chains, and the sets and maps the per-service elements go into (pure).
//
//   prerouting  -110 filter-prerouting           drop packets for 127/8 that did not come from lo
//               -100 nat-prerouting  ─► services  (DNAT: service-ips, service-nodeports)
//                -90 filter-prerouting-post-dnat ─► no-endpoint / unknown-ClusterIP rejects
//   output      -100 nat-output      ─► services
//                -90 filter-output-post-dnat     ─► the same rejects
//   postrouting  100 nat-postrouting ─► masquerading
//
// Why the rejects sit in prerouting after DNAT (kube-proxy uses input/forward/output): a
// packet that no rule DNATed still carries a Service address there, and nothing routes it yet.
// The node routes the service range into a port-less sink device, so a packet that reached the
// routing decision would be dropped silently instead of rejected. reject in prerouting needs Linux 5.9 or later.

import { MARK_FOR_MASQUERADE, REJECT_CHAIN } from "./service-rules";
import { podRanges, type ProxyFacts } from "./types";
import { isIPv4, isIPv4Cidr } from "./validate";

export const TABLE = "ip gantry";
/** The masquerade bit (kube-proxy's default). */
export const MASQ_MARK = "0x00004000";

export interface FixedSet {
  kind: "set" | "map";
  name: string;
  /** What goes between the braces of `add set`. */
  spec: string;
  elements: string[];
}

export interface FixedChain {
  name: string;
  /** Base chains: "type nat hook prerouting priority -100". */
  hook?: string;
  rules: string[];
}

export interface BaseObjects {
  sets: FixedSet[];
  chains: FixedChain[];
}

const CHECKS = ["ct state new jump service-endpoints-check", "ct state new jump nodeport-endpoints-check", "ct state new jump cluster-ips-check"];

export function baseObjects(f: ProxyFacts): BaseObjects {
  const pods = podRanges(f).filter(isIPv4Cidr);
  const sets: FixedSet[] = [
    { kind: "set", name: "cluster-ips", spec: "type ipv4_addr; comment \"ClusterIPs of Services\";", elements: [] },
    { kind: "set", name: "nodeport-ips", spec: "type ipv4_addr; comment \"addresses NodePorts answer on\";", elements: [...new Set(f.nodePortAddresses.filter(isIPv4))] },
    { kind: "set", name: "cluster-cidrs", spec: "type ipv4_addr; flags interval; comment \"pod ranges\";", elements: pods },
    { kind: "set", name: "service-cidrs", spec: "type ipv4_addr; flags interval; comment \"Service ranges\";", elements: f.serviceCIDRs.filter(isIPv4Cidr) },
    { kind: "map", name: "service-ips", spec: "type ipv4_addr . inet_proto . inet_service : verdict; comment \"ClusterIP, external IP and LoadBalancer IP traffic\";", elements: [] },
    { kind: "map", name: "service-nodeports", spec: "type inet_proto . inet_service : verdict; comment \"NodePort traffic\";", elements: [] },
    { kind: "map", name: "no-endpoint-services", spec: "type ipv4_addr . inet_proto . inet_service : verdict; comment \"Service addresses without usable endpoints\";", elements: [] },
    { kind: "map", name: "no-endpoint-nodeports", spec: "type inet_proto . inet_service : verdict; comment \"NodePorts without usable endpoints\";", elements: [] },
  ];

  const masquerading = [
    // Service traffic marked on the way in (hairpin, external, from outside the pod ranges).
    // The mark is cleared so an encapsulating tunnel does not masquerade again.
    `meta mark and ${MASQ_MARK} == ${MASQ_MARK} meta mark set meta mark xor ${MASQ_MARK} masquerade fully-random`,
  ];
  if (f.masqueradeOutside && pods.length > 0) {
    // Pods talking to anything outside the pod ranges (other nodes, the world) leave with the
    // node's address; between pods there is no NAT.
    masquerading.push("ip saddr @cluster-cidrs ip daddr != @cluster-cidrs ip daddr != 224.0.0.0/4 masquerade fully-random");
  }

  const chains: FixedChain[] = [
    // route_localnet (needed for NodePorts on 127.0.0.1) would also route packets for 127/8
    // that arrive from the network; only the node itself may use its loopback NodePorts.
    { name: "filter-prerouting", hook: "type filter hook prerouting priority -110", rules: ['iifname != "lo" ip daddr 127.0.0.0/8 drop'] },
    { name: "nat-prerouting", hook: "type nat hook prerouting priority -100", rules: ["jump services"] },
    { name: "filter-prerouting-post-dnat", hook: "type filter hook prerouting priority -90", rules: CHECKS },
    { name: "nat-output", hook: "type nat hook output priority -100", rules: ["jump services"] },
    { name: "filter-output-post-dnat", hook: "type filter hook output priority -90", rules: CHECKS },
    { name: "nat-postrouting", hook: "type nat hook postrouting priority 100", rules: ["jump masquerading"] },
    { name: "services", rules: ["ip daddr . meta l4proto . th dport vmap @service-ips", "ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports"] },
    { name: MARK_FOR_MASQUERADE, rules: [`meta mark set meta mark or ${MASQ_MARK}`] },
    { name: "masquerading", rules: masquerading },
    { name: "service-endpoints-check", rules: ["ip daddr . meta l4proto . th dport vmap @no-endpoint-services"] },
    { name: "nodeport-endpoints-check", rules: ["ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports"] },
    // Still addressed to the service range after DNAT: a ClusterIP port no Service defines, or
    // an address no Service holds. Rejected, so nothing for the range ever leaves the node.
    { name: "cluster-ips-check", rules: [`ip daddr @cluster-ips goto ${REJECT_CHAIN}`, `ip daddr @service-cidrs goto ${REJECT_CHAIN}`] },
    // A TCP reset is what a closed port sends; ICMP port unreachable for everything else.
    // (ICMP errors are rate-limited by the kernel; resets are not, so TCP clients never hang.)
    { name: REJECT_CHAIN, rules: ["meta l4proto tcp reject with tcp reset", "reject"] },
  ];
  return { sets, chains };
}
