// The cluster's address plan, from `gantry master` flags (same on every master of a cluster):
//
//   --cluster-cidr              10.244.0.0/16  pod addresses; cut into one range per node
//   --node-cidr-mask-size       24             the size of each node's range (spec.podCIDR)
//   --service-cluster-ip-range  10.96.0.0/12   ClusterIPs; its first address is the `kubernetes`
//                                              Service, its tenth the cluster DNS (kube-dns)
//
// Checked once at start, with messages that name the flag, as kube-apiserver and
// kube-controller-manager check theirs.

import { Ipv4Cidr } from "../api/ipv4-cidr";

export interface ClusterNetworkFlags {
  clusterCidr?: string;
  nodeCidrMaskSize?: number;
  serviceCidr?: string;
}

export const DEFAULT_CLUSTER_CIDR = "10.244.0.0/16";
export const DEFAULT_NODE_CIDR_MASK_SIZE = 24;
export const DEFAULT_SERVICE_CIDR = "10.96.0.0/12";

export class ClusterNetwork {
  private constructor(
    readonly clusterCidr: Ipv4Cidr,
    readonly nodeCidrMaskSize: number,
    readonly serviceRange: Ipv4Cidr,
  ) {}

  /** Validates the flags; throws an Error naming the flag that is wrong. */
  static from(flags: ClusterNetworkFlags = {}): ClusterNetwork {
    const cluster = flags.clusterCidr ?? DEFAULT_CLUSTER_CIDR;
    const clusterCidr = networkFlag("--cluster-cidr", cluster, "10.244.0.0/16");
    const mask = flags.nodeCidrMaskSize ?? DEFAULT_NODE_CIDR_MASK_SIZE;
    if (!Number.isInteger(mask) || mask < clusterCidr.prefix || mask > 30) {
      throw new Error(`--node-cidr-mask-size ${mask} must be between the cluster CIDR's own size (/${clusterCidr.prefix}) and 30`);
    }
    const services = flags.serviceCidr ?? DEFAULT_SERVICE_CIDR;
    const serviceRange = networkFlag("--service-cluster-ip-range", services, "10.96.0.0/12");
    if (serviceRange.prefix < 12) throw new Error(`--service-cluster-ip-range ${services} is too large; for 32-bit addresses, the mask must be >= 12`);
    if (serviceRange.prefix > 28) throw new Error(`--service-cluster-ip-range ${services} is too small: it needs at least 16 addresses (the cluster DNS Service takes the tenth)`);
    if (serviceRange.overlaps(clusterCidr)) throw new Error(`--service-cluster-ip-range ${services} overlaps --cluster-cidr ${cluster}: Service and pod addresses must not share a range`);
    return new ClusterNetwork(clusterCidr, mask, serviceRange);
  }

  /** The `kubernetes` Service's ClusterIP: the first address of the service range. */
  get kubernetesServiceIP(): string {
    return this.serviceRange.addressAt(1);
  }

  /** The cluster DNS Service's ClusterIP (kube-dns): the tenth address, as kubeadm picks it. */
  get clusterDnsIP(): string {
    return this.serviceRange.addressAt(10);
  }
}

function networkFlag(flag: string, value: string, example: string): Ipv4Cidr {
  const range = Ipv4Cidr.parse(value);
  if (!range) throw new Error(`${flag} ${value} is not an IPv4 network in CIDR notation like ${example} (IPv6 is not supported yet)`);
  if (String(range) !== value) throw new Error(`${flag} ${value} has host bits set: the network is ${range}`);
  return range;
}
