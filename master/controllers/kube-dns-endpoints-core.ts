// What the kube-dns Service's endpoints should be: one per node that has a pod range, at the
// node's gateway address (the first host address of spec.podCIDR, e.g. 10.244.3.1), with its
// nodeName, on 53/UDP "dns" and 53/TCP "dns-tcp" — where that node's agent answers DNS. With the
// Service's internalTrafficPolicy Local, each node's proxy sends 10.96.0.10:53 to its own node.
//
// Written as static-endpoints.ts writes every selector-less Service of ours (Endpoints and
// EndpointSlices `kube-dns-<n>`).
// Endpoints are always ready: a node's DNS server runs as long as its agent does, and only the
// node itself sends traffic to it. Pure: the controller (kube-dns-endpoints.ts) does the I/O.

import type { KubeObject } from "../../api/object";
import { desiredStaticEndpoints, desiredStaticSlices, type StaticService } from "./static-endpoints";

export { mergeInto, needsWrite, SLICE_SIZE } from "./static-endpoints";

export const KUBE_DNS_NAMESPACE = "kube-system";
export const KUBE_DNS_NAME = "kube-dns";
export const MANAGED_BY = "kube-dns-endpoints.gantry.io";
const DNS_PORTS: StaticService["ports"] = [
  { name: "dns", port: 53, protocol: "UDP" },
  { name: "dns-tcp", port: 53, protocol: "TCP" },
];

export interface DnsEndpoint {
  nodeName: string;
  address: string;
}

/** The first host address of an IPv4 range: 10.244.3.0/24 → 10.244.3.1 (undefined for IPv6 or /31, /32). */
export function gatewayOf(cidr: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 30) return undefined;
  const size = 2 ** (32 - Number(m[5]));
  const ip = m.slice(1, 5).reduce((acc, o) => acc * 256 + Number(o), 0);
  const gateway = ip - (ip % size) + 1;
  return [24, 16, 8, 0].map((shift) => Math.floor(gateway / 2 ** shift) % 256).join(".");
}

interface NodeSpec {
  podCIDR?: string;
  podCIDRs?: string[];
}

/** Every node with an IPv4 pod range, by name, at its gateway address. */
export function dnsEndpointsOf(nodes: readonly KubeObject[]): DnsEndpoint[] {
  const out: DnsEndpoint[] = [];
  for (const node of nodes) {
    if (node.metadata.deletionTimestamp) continue;
    const spec = (node.spec ?? {}) as NodeSpec;
    const address = [spec.podCIDR, ...(spec.podCIDRs ?? [])].map((c) => (c ? gatewayOf(c) : undefined)).find((a) => a !== undefined);
    if (address) out.push({ nodeName: node.metadata.name!, address });
  }
  return out.sort((a, b) => a.nodeName.localeCompare(b.nodeName));
}

/** The kube-dns Service's endpoints as static-endpoints.ts writes them. */
export const KUBE_DNS: StaticService = {
  namespace: KUBE_DNS_NAMESPACE,
  name: KUBE_DNS_NAME,
  labels: { "k8s-app": "kube-dns" },
  managedBy: MANAGED_BY,
  ports: DNS_PORTS,
};

export function desiredEndpoints(endpoints: readonly DnsEndpoint[]): KubeObject {
  return desiredStaticEndpoints(KUBE_DNS, endpoints);
}

/** The slices, `kube-dns-1`, `kube-dns-2`, ... (one empty slice when there is no node yet). */
export function desiredSlices(service: KubeObject, endpoints: readonly DnsEndpoint[]): KubeObject[] {
  return desiredStaticSlices(KUBE_DNS, service, endpoints);
}
