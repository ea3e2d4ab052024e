// What the kube-dns Service's endpoints should be: one per node that has a pod range, at the
// node's gateway address (the first host address of spec.podCIDR, e.g. 10.244.3.1), with its
// nodeName, on 53/UDP "dns" and 53/TCP "dns-tcp" — where that node's agent answers DNS. With the
// Service's internalTrafficPolicy Local, each node's proxy sends 10.96.0.10:53 to its own node.
//
// Written both ways Kubernetes clients read them:
//   - the v1 Endpoints `kube-system/kube-dns`, labelled skip-mirror so the EndpointSlice
//     mirroring controller leaves it alone (at most 1000 addresses, then marked truncated);
//   - EndpointSlices `kube-dns-<n>` of at most 100 endpoints each (the EndpointSlice
//     controller's default), labelled with the Service and managed-by this controller, owned by
//     the Service.
// Endpoints are always ready: a node's DNS server runs as long as its agent does, and only the
// node itself sends traffic to it. Pure: the controller (kube-dns-endpoints.ts) does the I/O.

import type { KubeObject } from "../../api/object";
import { canonicalJson } from "./controller-utils";

export const KUBE_DNS_NAMESPACE = "kube-system";
export const KUBE_DNS_NAME = "kube-dns";
export const MANAGED_BY = "kube-dns-endpoints.gantry.io";
export const SLICE_SIZE = 100;
const MAX_ENDPOINTS_ADDRESSES = 1000;
const DNS_PORTS = [
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

export function desiredEndpoints(endpoints: readonly DnsEndpoint[]): KubeObject {
  const kept = endpoints.slice(0, MAX_ENDPOINTS_ADDRESSES);
  const annotations = endpoints.length > kept.length ? { "endpoints.kubernetes.io/over-capacity": "truncated" } : undefined;
  return {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: {
      name: KUBE_DNS_NAME,
      namespace: KUBE_DNS_NAMESPACE,
      labels: { "k8s-app": "kube-dns", "endpointslice.kubernetes.io/skip-mirror": "true" },
      ...(annotations ? { annotations } : {}),
    },
    subsets: kept.length === 0 ? [] : [{ addresses: kept.map((e) => ({ ip: e.address, nodeName: e.nodeName })), ports: DNS_PORTS.map((p) => ({ ...p })) }],
  };
}

/** The slices, `kube-dns-1`, `kube-dns-2`, ... (one empty slice when there is no node yet). */
export function desiredSlices(service: KubeObject, endpoints: readonly DnsEndpoint[]): KubeObject[] {
  const chunks: DnsEndpoint[][] = [];
  for (let i = 0; i < endpoints.length; i += SLICE_SIZE) chunks.push(endpoints.slice(i, i + SLICE_SIZE));
  if (chunks.length === 0) chunks.push([]);
  return chunks.map((chunk, i) => ({
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: `${KUBE_DNS_NAME}-${i + 1}`,
      namespace: KUBE_DNS_NAMESPACE,
      labels: { "kubernetes.io/service-name": KUBE_DNS_NAME, "endpointslice.kubernetes.io/managed-by": MANAGED_BY, "k8s-app": "kube-dns" },
      ownerReferences: [{ apiVersion: "v1", kind: "Service", name: KUBE_DNS_NAME, uid: service.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    addressType: "IPv4",
    endpoints: chunk.map((e) => ({ addresses: [e.address], conditions: { ready: true, serving: true, terminating: false }, nodeName: e.nodeName })),
    ports: DNS_PORTS.map((p) => ({ ...p })),
  }));
}

function bodyOf(obj: KubeObject): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata: _m, ...body } = obj as KubeObject & Record<string, unknown>;
  return body;
}

const TRUNCATED = "endpoints.kubernetes.io/over-capacity";

/**
 * Whether `current` differs from `desired` in what this controller sets: its labels, the
 * over-capacity annotation, owner references and the whole body (subsets, or addressType,
 * endpoints and ports). Labels and annotations others add are left alone.
 */
export function needsWrite(current: KubeObject, desired: KubeObject): boolean {
  const m = current.metadata;
  const d = desired.metadata;
  if (Object.entries(d.labels ?? {}).some(([k, v]) => m.labels?.[k] !== v)) return true;
  if (m.annotations?.[TRUNCATED] !== d.annotations?.[TRUNCATED]) return true;
  if (canonicalJson(m.ownerReferences ?? []) !== canonicalJson(d.ownerReferences ?? [])) return true;
  const body = bodyOf(current);
  return Object.entries(bodyOf(desired)).some(([k, v]) => canonicalJson(body[k]) !== canonicalJson(v));
}

/** `current` with what this controller sets taken from `desired` (identity and other metadata kept). */
export function mergeInto(current: KubeObject, desired: KubeObject): KubeObject {
  const annotations = { ...(current.metadata.annotations ?? {}) };
  delete annotations[TRUNCATED];
  Object.assign(annotations, desired.metadata.annotations ?? {});
  return {
    ...current,
    ...bodyOf(desired),
    metadata: {
      ...current.metadata,
      labels: { ...(current.metadata.labels ?? {}), ...(desired.metadata.labels ?? {}) },
      annotations,
      ...(desired.metadata.ownerReferences ? { ownerReferences: desired.metadata.ownerReferences } : {}),
    },
  };
}
