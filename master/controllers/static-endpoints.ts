// The endpoints of a Service without a selector whose addresses a controller of ours knows:
// `kube-system/kube-dns` (every node's DNS server) and `default/kubernetes` (every live master).
// Written both ways Kubernetes clients read them:
//   - the v1 Endpoints of the Service's name, labelled skip-mirror so no mirroring controller
//     touches it (at most 1000 addresses, then marked truncated, as upstream);
//   - EndpointSlices `<service>-<n>` of at most 100 endpoints each (the EndpointSlice
//     controller's default), labelled with the Service and our managed-by value, owned by the
//     Service.
// Every endpoint is ready: the controller lists only what is serving. Pure: no I/O.

import type { KubeObject } from "../../api/object";
import { canonicalJson } from "./controller-utils";

export interface StaticService {
  namespace: string;
  name: string;
  /** Labels the objects carry besides the Service-name and managed-by ones. */
  labels: Record<string, string>;
  /** `endpointslice.kubernetes.io/managed-by` of the slices. */
  managedBy: string;
  ports: { name: string; port: number; protocol: "TCP" | "UDP" }[];
}

export interface StaticEndpoint {
  address: string;
  nodeName?: string;
}

export const SLICE_SIZE = 100;
const MAX_ENDPOINTS_ADDRESSES = 1000;
const TRUNCATED = "endpoints.kubernetes.io/over-capacity";

export function desiredStaticEndpoints(svc: StaticService, endpoints: readonly StaticEndpoint[]): KubeObject {
  const kept = endpoints.slice(0, MAX_ENDPOINTS_ADDRESSES);
  const annotations = endpoints.length > kept.length ? { [TRUNCATED]: "truncated" } : undefined;
  return {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: {
      name: svc.name,
      namespace: svc.namespace,
      labels: { ...svc.labels, "endpointslice.kubernetes.io/skip-mirror": "true" },
      ...(annotations ? { annotations } : {}),
    },
    subsets: kept.length === 0 ? [] : [{ addresses: kept.map((e) => ({ ip: e.address, ...(e.nodeName ? { nodeName: e.nodeName } : {}) })), ports: svc.ports.map((p) => ({ ...p })) }],
  };
}

/** The slices, `<service>-1`, `<service>-2`, ... (one empty slice when there is no endpoint). */
export function desiredStaticSlices(svc: StaticService, service: KubeObject, endpoints: readonly StaticEndpoint[]): KubeObject[] {
  const chunks: StaticEndpoint[][] = [];
  for (let i = 0; i < endpoints.length; i += SLICE_SIZE) chunks.push(endpoints.slice(i, i + SLICE_SIZE));
  if (chunks.length === 0) chunks.push([]);
  return chunks.map((chunk, i) => ({
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: `${svc.name}-${i + 1}`,
      namespace: svc.namespace,
      labels: { "kubernetes.io/service-name": svc.name, "endpointslice.kubernetes.io/managed-by": svc.managedBy, ...svc.labels },
      ownerReferences: [{ apiVersion: "v1", kind: "Service", name: svc.name, uid: service.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    addressType: "IPv4",
    endpoints: chunk.map((e) => ({ addresses: [e.address], conditions: { ready: true, serving: true, terminating: false }, ...(e.nodeName ? { nodeName: e.nodeName } : {}) })),
    ports: svc.ports.map((p) => ({ ...p })),
  }));
}

/** Whether a slice in the namespace is one of this Service's (by its managed-by label). */
export function isStaticSlice(svc: StaticService, o: KubeObject): boolean {
  return o.metadata.namespace === svc.namespace && o.metadata.labels?.["endpointslice.kubernetes.io/managed-by"] === svc.managedBy && o.metadata.labels?.["kubernetes.io/service-name"] === svc.name;
}

function bodyOf(obj: KubeObject): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata: _m, ...body } = obj as KubeObject & Record<string, unknown>;
  return body;
}

/**
 * Whether `current` differs from `desired` in what the controller sets: its labels, the
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

/** `current` with what the controller sets taken from `desired` (identity and other metadata kept). */
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
