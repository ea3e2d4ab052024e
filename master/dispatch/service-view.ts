// A Service and its EndpointSlices → the ServiceView every agent's proxy, DNS server and pod
// environment read (proto/agent.proto). Pure: no I/O. Endpoints come from the slices (any
// manager's: the EndpointSlice controller's, and those users or the master write for Services
// without a selector, such as kube-dns), never from core/v1 Endpoints, as kube-proxy does.
//
// Per slice endpoint one EndpointView, with the slice's ports (numbers resolved for that
// endpoint) and its conditions as the API defines unset ones: ready unknown → ready, serving
// unknown → as ready, terminating unknown → not terminating. FQDN slices and ports without a
// number ("all ports") are skipped: a proxy cannot serve them. An endpoint listed twice (it is
// moving between slices) appears once, in its best state. ExternalName Services have no
// endpoints. Everything is sorted, so equal inputs give equal views and unchanged Services
// produce no updates.

import type { EndpointSlice } from "kubernetes-types/discovery/v1";
import type { Service } from "kubernetes-types/core/v1";
import type { KubeObject } from "../../api/object";
import { namespacedKey } from "../../api/object-key";
import { ServiceView, type EndpointPortView, type EndpointView } from "../../proto/gen/agent";
import { SERVICE_NAME_LABEL } from "../controllers/endpointslice-plan";

/** The "namespace/name" of the Service an EndpointSlice belongs to, if it names one. */
export function serviceKeyOfSlice(slice: KubeObject): string | undefined {
  const name = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  return name ? namespacedKey(slice.metadata.namespace, name) : undefined;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** ready beats serving beats neither: the state a proxy should use when both are listed. */
const rank = (e: EndpointView): number => (e.ready ? 2 : e.serving ? 1 : 0);

function endpointViews(slices: readonly KubeObject[]): EndpointView[] {
  const byIdentity = new Map<string, EndpointView>();
  for (const obj of slices) {
    const slice = obj as EndpointSlice & KubeObject;
    if (slice.addressType !== "IPv4" && slice.addressType !== "IPv6") continue;
    const ports: EndpointPortView[] = (slice.ports ?? [])
      .filter((p) => typeof p.port === "number")
      .map((p) => ({ name: p.name ?? "", protocol: p.protocol ?? "TCP", port: p.port! }))
      .sort((a, b) => compare(a.name, b.name) || a.port - b.port);
    const portsId = ports.map((p) => `${p.name}/${p.protocol}/${p.port}`).join(",");
    for (const e of slice.endpoints ?? []) {
      if (!e.addresses?.length) continue;
      const ready = e.conditions?.ready ?? true;
      // Every field set: this is what EndpointView.fromPartial would build, without its copies.
      const view: EndpointView = {
        addresses: [...e.addresses],
        ready,
        serving: e.conditions?.serving ?? ready,
        terminating: e.conditions?.terminating ?? false,
        nodeName: e.nodeName ?? "",
        hostname: e.hostname ?? "",
        podName: e.targetRef?.kind === "Pod" ? (e.targetRef.name ?? "") : "",
        ports,
        zone: e.zone ?? "",
      };
      const identity = `${view.addresses.join(",")}|${portsId}`;
      const seen = byIdentity.get(identity);
      if (!seen || rank(view) > rank(seen)) byIdentity.set(identity, view);
    }
  }
  return [...byIdentity.entries()].sort(([a], [b]) => compare(a, b)).map(([, v]) => v);
}

export function buildServiceView(service: KubeObject, slices: readonly KubeObject[]): ServiceView {
  const svc = service as Service & KubeObject;
  const spec = svc.spec ?? {};
  const type = spec.type ?? "ClusterIP";
  const headless = spec.clusterIP === "None";
  const clusterIps = type === "ExternalName" || headless ? [] : (spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])).filter((ip) => ip && ip !== "None");
  const affinity = spec.sessionAffinity ?? "None";
  return ServiceView.fromPartial({
    namespace: svc.metadata.namespace ?? "",
    name: svc.metadata.name ?? "",
    uid: svc.metadata.uid ?? "",
    resourceVersion: svc.metadata.resourceVersion ?? "",
    type,
    clusterIps,
    headless,
    ports: (spec.ports ?? []).map((p) => ({ name: p.name ?? "", protocol: p.protocol ?? "TCP", port: p.port, nodePort: p.nodePort ?? 0 })),
    sessionAffinity: affinity,
    sessionAffinityTimeoutSeconds: affinity === "ClientIP" ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800) : 0,
    externalTrafficPolicy: spec.externalTrafficPolicy ?? "Cluster",
    internalTrafficPolicy: spec.internalTrafficPolicy ?? "Cluster",
    loadBalancerIps: (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? "").filter((ip) => ip !== ""),
    externalIps: spec.externalIPs ?? [],
    externalName: spec.externalName ?? "",
    publishNotReadyAddresses: spec.publishNotReadyAddresses === true,
    endpoints: type === "ExternalName" ? [] : endpointViews(slices),
    healthCheckNodePort: spec.healthCheckNodePort ?? 0,
  });
}
