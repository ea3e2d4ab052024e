// IPv4 ranges as numbers: the cluster (pod) CIDR, each node's pod CIDR, the service range. The
// master cuts node ranges and allocates ClusterIPs from them; the agent derives its bridge's
// gateway address and routes. Pure (api/ may not import node:net).
//
//   const r = Ipv4Cidr.parse("10.244.1.0/24")!;
//   r.addressAt(1)          // "10.244.1.1": the first host address, a node's gateway
//   r.contains("10.244.1.7") // true
//
// Like Go's net.ParseCIDR, an address with host bits set ("10.244.1.7/24") names its network.

import { parseIP } from "./validation/ip";

export class Ipv4Cidr {
  private constructor(
    /** The network address as an unsigned 32-bit number. */
    readonly network: number,
    readonly prefix: number,
  ) {}

  /** The range, or undefined when `value` is not an IPv4 CIDR. */
  static parse(value: string): Ipv4Cidr | undefined {
    const slash = value.indexOf("/");
    if (slash < 0 || !/^\d{1,2}$/.test(value.slice(slash + 1))) return undefined;
    const ip = ipv4ToNumber(value.slice(0, slash).trim());
    const prefix = Number(value.slice(slash + 1));
    if (ip === undefined || prefix > 32) return undefined;
    const size = 2 ** (32 - prefix);
    return new Ipv4Cidr(ip - (ip % size), prefix);
  }

  /** How many addresses the range holds (network and broadcast included). */
  get size(): number {
    return 2 ** (32 - this.prefix);
  }

  /** The n-th address of the range (0 = the network address). */
  addressAt(n: number): string {
    if (!Number.isInteger(n) || n < 0 || n >= this.size) throw new RangeError(`${this} has no address at offset ${n}`);
    return numberToIpv4(this.network + n);
  }

  /** Offset of `ip` inside the range, or undefined when it lies outside (or is no IPv4 address). */
  offsetOf(ip: string): number | undefined {
    const n = ipv4ToNumber(ip);
    if (n === undefined || n < this.network || n >= this.network + this.size) return undefined;
    return n - this.network;
  }

  contains(ip: string): boolean {
    return this.offsetOf(ip) !== undefined;
  }

  overlaps(other: Ipv4Cidr): boolean {
    return this.network < other.network + other.size && other.network < this.network + this.size;
  }

  toString(): string {
    return `${numberToIpv4(this.network)}/${this.prefix}`;
  }
}

export function ipv4ToNumber(ip: string): number | undefined {
  if (ip.includes(":")) return undefined;
  const bytes = parseIP(ip);
  if (!bytes) return undefined;
  return ((bytes[0] << 24) >>> 0) + (bytes[1] << 16) + (bytes[2] << 8) + bytes[3];
}

export function numberToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}
