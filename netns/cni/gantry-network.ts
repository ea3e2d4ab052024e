// The network configuration list every pod on a node is attached with (DESIGN.md §7):
//
//   bridge   veth pair: eth0 in the pod, the host end on the node bridge `gantry0`, hairpin on
//            (a pod reaching itself through a Service); isGateway puts the gateway address
//            (first host address of the node's pod CIDR) on the bridge. No ipMasq: the service
//            proxy's nft table masquerades what leaves the cluster, pod-to-pod keeps its source.
//     host-local  IPAM: addresses from the node's pod CIDR, default route via the gateway, its
//            state under the agent's data dir (never the machine-wide /var/lib/cni, which other
//            agents on a test machine would share).
//   portmap  hostPort: DNAT from the node's addresses to the pod (runtimeConfig.portMappings);
//            only in the attachments of pods with hostPorts: for the others it would do nothing
//            but cost a process per ADD, CHECK and DEL. (DEL uses the list recorded at ADD.)
//
// Attachments with hostPorts carry `disableCheck`: Debian 12's portmap (plugins 1.1.1) fails
// every CHECK of an IPv4-only pod with port mappings ("could not check ipv6 dnat: chain … not
// found"; fixed upstream in 1.2.0 by "Only check ipv6 when an IPv6 is configured"), and the spec
// provides disableCheck for exactly such known-spurious errors. Other pods are CHECKed.
//
// `lo` needs no plugin: NetnsRegistry.create brings it up in the same process that makes the
// namespace.

import * as path from "node:path";
import { Ipv4Cidr } from "../../api/ipv4-cidr";
import { CNI_VERSION, type NetworkConfigList } from "./types";

export const NETWORK_NAME = "gantry";
export const BRIDGE_NAME = "gantry0";
export const POD_IFNAME = "eth0";

export interface GantryNetworkOptions {
  /** The node's pod CIDR, e.g. 10.244.1.0/24. */
  podCidr: string;
  /** host-local's state directory (`<agent data dir>/cni/networks`). */
  ipamDataDir: string;
  /** Default gantry0. */
  bridge?: string;
  /** The attachment maps hostPorts: portmap is in the list, and disableCheck (see above). */
  hostPorts?: boolean;
}

/** Where an agent keeps its CNI state: `results/<pod uid>.json` (Gantry's record of each
 *  attachment) and `networks/` (host-local's leases). */
export function cniStateDirs(dataDir: string): { results: string; ipam: string } {
  return { results: path.join(dataDir, "cni", "results"), ipam: path.join(dataDir, "cni", "networks") };
}

/** The gateway (bridge) address of a pod CIDR: its first host address. */
export function gatewayOf(podCidr: string): string {
  const range = Ipv4Cidr.parse(podCidr);
  if (!range || range.prefix > 30) throw new Error(`pod CIDR ${JSON.stringify(podCidr)} is not an IPv4 range of at least 4 addresses`);
  return range.addressAt(1);
}

export function gantryNetwork(o: GantryNetworkOptions): NetworkConfigList {
  const subnet = String(Ipv4Cidr.parse(o.podCidr));
  return {
    cniVersion: CNI_VERSION,
    name: NETWORK_NAME,
    ...(o.hostPorts ? { disableCheck: true } : {}),
    plugins: [
      {
        type: "bridge",
        bridge: o.bridge ?? BRIDGE_NAME,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: "host-local",
          ranges: [[{ subnet, gateway: gatewayOf(subnet) }]],
          routes: [{ dst: "0.0.0.0/0" }],
          dataDir: o.ipamDataDir,
        },
      },
      ...(o.hostPorts ? [{ type: "portmap", capabilities: { portMappings: true }, snat: true }] : []),
    ],
  };
}
