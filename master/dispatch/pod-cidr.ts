// Pod address ranges per node: the cluster CIDR (`--cluster-cidr`, 10.244.0.0/16) cut into equal
// subnets (`--node-cidr-mask-size`, /24), one per node, lowest free first. Pure: the dispatcher
// reads which ranges Node objects hold and writes the chosen one to spec.podCIDR/podCIDRs, so
// allocations live in the Nodes (a restarted master rebuilds its pool from them) and go with
// them. IPv4 only for now. PodCidrPool keeps the taken set current between allocations.

import { Ipv4Cidr, numberToIpv4 } from "../../api/ipv4-cidr";

export class PodCidrAllocator {
  private readonly cluster: Ipv4Cidr;
  private readonly subnetSize: number;
  readonly capacity: number;

  constructor(
    readonly clusterCidr = "10.244.0.0/16",
    readonly nodeMaskSize = 24,
  ) {
    const parsed = Ipv4Cidr.parse(clusterCidr);
    if (!parsed) throw new Error(`cluster CIDR ${JSON.stringify(clusterCidr)} is not an IPv4 CIDR like 10.244.0.0/16`);
    if (nodeMaskSize < parsed.prefix || nodeMaskSize > 30) {
      throw new Error(`node CIDR mask size /${nodeMaskSize} must be between /${parsed.prefix} (the cluster CIDR's) and /30`);
    }
    this.cluster = parsed;
    this.subnetSize = 2 ** (32 - nodeMaskSize);
    this.capacity = 2 ** (nodeMaskSize - parsed.prefix);
  }

  cidrAt(index: number): string {
    return `${numberToIpv4(this.cluster.network + index * this.subnetSize)}/${this.nodeMaskSize}`;
  }

  /** The subnet index of a node range inside the cluster CIDR, or undefined for anything else. */
  indexOf(cidr: string): number | undefined {
    const parsed = Ipv4Cidr.parse(cidr);
    if (!parsed || parsed.prefix !== this.nodeMaskSize) return undefined;
    const offset = this.cluster.offsetOf(parsed.addressAt(0));
    if (offset === undefined || offset % this.subnetSize !== 0) return undefined;
    return offset / this.subnetSize;
  }

  /** The lowest subnet no node holds, or undefined when the cluster CIDR is full. */
  allocate(used: Iterable<string>): string | undefined {
    const taken = new Set<number>();
    for (const c of used) {
      const i = this.indexOf(c);
      if (i !== undefined) taken.add(i);
    }
    for (let i = 0; i < this.capacity; i++) if (!taken.has(i)) return this.cidrAt(i);
    return undefined;
  }
}

/**
 * The subnets in use, kept current from node events and reservations, so that handing one out
 * costs no pass over every node (a 5,000-node cluster joins one node at a time, and each join
 * would otherwise re-read every other node's range). Holders are node names or reservation keys;
 * a subnet two holders claim stays taken until both let go.
 */
export class PodCidrPool {
  /** holder -> the ranges it holds (as given) and their subnet indexes. */
  private readonly held = new Map<string, { cidrs: string; indexes: number[] }>();
  /** subnet index -> how many holders claim it. */
  private readonly claims = new Map<number, number>();
  /** Every subnet below this one is taken. */
  private floor = 0;

  constructor(readonly allocator: PodCidrAllocator) {}

  /** Records the ranges `holder` holds now; none releases what it held. */
  set(holder: string, cidrs: readonly string[]): void {
    const key = cidrs.join(",");
    const before = this.held.get(holder);
    if ((before?.cidrs ?? "") === key) return;
    for (const i of before?.indexes ?? []) {
      const n = (this.claims.get(i) ?? 1) - 1;
      if (n > 0) this.claims.set(i, n);
      else {
        this.claims.delete(i);
        this.floor = Math.min(this.floor, i);
      }
    }
    const indexes: number[] = [];
    for (const c of cidrs) {
      const i = this.allocator.indexOf(c);
      if (i === undefined || indexes.includes(i)) continue;
      indexes.push(i);
      this.claims.set(i, (this.claims.get(i) ?? 0) + 1);
    }
    if (key === "") this.held.delete(holder);
    else this.held.set(holder, { cidrs: key, indexes });
  }

  /** The lowest subnet nobody holds (not yet taken: `set` a holder for it), or undefined when full. */
  lowestFree(): string | undefined {
    while (this.floor < this.allocator.capacity && this.claims.has(this.floor)) this.floor++;
    return this.floor < this.allocator.capacity ? this.allocator.cidrAt(this.floor) : undefined;
  }
}
