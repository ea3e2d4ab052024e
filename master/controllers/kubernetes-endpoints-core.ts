// What the `default/kubernetes` Service's endpoints should be: every live master, from the
// apiserver identity Leases each master keeps in kube-system (master/apiserver-identity.ts), as
// kube-apiserver's lease endpoint reconciler does. A Lease is live while its renewTime plus
// leaseDurationSeconds lies ahead; its annotation says where the master's API listens.
//
//   Lease kube-system/apiserver-m1   labels apiserver.kubernetes.io/identity=kube-apiserver
//                                    annotation gantry.io/apiserver-advertise-address=10.0.0.1:6443
//   ─►  Endpoints default/kubernetes: 10.0.0.1 … on port "https" 6443/TCP (+ EndpointSlice kubernetes-1)
//
// One port for all endpoints (an Endpoints subset and a slice have one port list): the port
// most masters listen on; a master on another port is left out until it moves. Pure.

import type { KubeObject } from "../../api/object";
import type { StaticEndpoint, StaticService } from "./static-endpoints";

export const IDENTITY_LABEL = "apiserver.kubernetes.io/identity";
export const IDENTITY_VALUE = "kube-apiserver";
export const ADVERTISE_ANNOTATION = "gantry.io/apiserver-advertise-address";
export const IDENTITY_LEASE_NAMESPACE = "kube-system";
export const IDENTITY_LEASE_DURATION_SECONDS = 30;
export const KUBERNETES_SERVICE = { namespace: "default", name: "kubernetes" };
export const MANAGED_BY = "kubernetes-endpoints.gantry.io";

export interface LiveApiserver {
  lease: string;
  address: string;
  port: number;
}

/** The Lease name of a master: `apiserver-<master name>`. */
export function identityLeaseName(master: string): string {
  return `apiserver-${master}`;
}

/** Whether a Lease is an apiserver identity Lease (of any master, live or not). */
export function isIdentityLease(lease: KubeObject): boolean {
  return lease.metadata.namespace === IDENTITY_LEASE_NAMESPACE && lease.metadata.labels?.[IDENTITY_LABEL] === IDENTITY_VALUE;
}

/** Whether the Lease was renewed within its duration at `nowMs`. */
export function isLive(lease: KubeObject, nowMs: number): boolean {
  const spec = (lease.spec ?? {}) as { renewTime?: string; leaseDurationSeconds?: number };
  const renewed = Date.parse(spec.renewTime ?? "");
  return Number.isFinite(renewed) && renewed + (spec.leaseDurationSeconds ?? 0) * 1000 > nowMs && !lease.metadata.deletionTimestamp;
}

/** "10.0.0.1:6443" → address and port; undefined for anything else (IPv4 only). */
export function parseAdvertised(value: string | undefined): { address: string; port: number } | undefined {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(value ?? "");
  if (!m || m[1].split(".").some((o) => Number(o) > 255)) return undefined;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? { address: m[1], port } : undefined;
}

/**
 * Whether an address can be an endpoint: Endpoints validation refuses unspecified, loopback,
 * link-local and multicast addresses, as upstream's does — a pod could not reach a master there
 * (127.0.0.1 in a pod is the pod itself).
 */
export function isEndpointAddress(address: string): boolean {
  const [a, b] = address.split(".").map(Number);
  return !(a === 0 || a === 127 || (a === 169 && b === 254) || a >= 224);
}

/** Every live master with a usable advertised address, by address. */
export function liveApiservers(leases: readonly KubeObject[], nowMs: number): LiveApiserver[] {
  const out: LiveApiserver[] = [];
  for (const lease of leases) {
    if (!isIdentityLease(lease) || !isLive(lease, nowMs)) continue;
    const advertised = parseAdvertised(lease.metadata.annotations?.[ADVERTISE_ANNOTATION]);
    if (advertised && isEndpointAddress(advertised.address)) out.push({ lease: lease.metadata.name!, ...advertised });
  }
  return out.sort((a, b) => a.address.localeCompare(b.address) || a.lease.localeCompare(b.lease));
}

/** The Service's static description and endpoints: the masters on the most common port. */
export function kubernetesEndpoints(masters: readonly LiveApiserver[], defaultPort: number): { service: StaticService; endpoints: StaticEndpoint[] } {
  const counts = new Map<number, number>();
  for (const m of masters) counts.set(m.port, (counts.get(m.port) ?? 0) + 1);
  const port = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? defaultPort;
  const addresses = [...new Set(masters.filter((m) => m.port === port).map((m) => m.address))];
  return {
    service: { ...KUBERNETES_SERVICE, labels: {}, managedBy: MANAGED_BY, ports: [{ name: "https", port, protocol: "TCP" }] },
    endpoints: addresses.map((address) => ({ address })),
  };
}
