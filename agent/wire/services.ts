// proto ServiceUpdate -> the node's service catalog update (netns/services/catalog.ts).

import type { EndpointView, ServicePortView, ServiceUpdate, ServiceView } from "../../proto/gen/agent";
import type { Endpoint, ServiceInfo, ServicePort, ServiceUpdateInput } from "../../netns/services/catalog";

type Protocol = ServicePort["protocol"];

function protocolOf(p: string): Protocol {
  return p === "UDP" || p === "SCTP" ? p : "TCP";
}

function portFromProto(p: ServicePortView): ServicePort {
  return { name: p.name, protocol: protocolOf(p.protocol), port: p.port, nodePort: p.nodePort };
}

function endpointFromProto(e: EndpointView): Endpoint {
  return {
    addresses: [...e.addresses],
    ready: e.ready,
    serving: e.serving,
    terminating: e.terminating,
    nodeName: e.nodeName,
    hostname: e.hostname,
    podName: e.podName,
    zone: e.zone,
    ports: e.ports.map((p) => ({ name: p.name, protocol: protocolOf(p.protocol), port: p.port })),
  };
}

const TYPES = new Set<ServiceInfo["type"]>(["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]);

export function serviceFromProto(s: ServiceView): ServiceInfo {
  return {
    namespace: s.namespace,
    name: s.name,
    uid: s.uid,
    resourceVersion: s.resourceVersion,
    type: TYPES.has(s.type as ServiceInfo["type"]) ? (s.type as ServiceInfo["type"]) : "ClusterIP",
    clusterIPs: [...s.clusterIps],
    headless: s.headless,
    ports: s.ports.map(portFromProto),
    sessionAffinity: s.sessionAffinity === "ClientIP" ? "ClientIP" : "None",
    sessionAffinityTimeoutSeconds: s.sessionAffinityTimeoutSeconds || 10800,
    externalTrafficPolicy: s.externalTrafficPolicy === "Local" ? "Local" : "Cluster",
    internalTrafficPolicy: s.internalTrafficPolicy === "Local" ? "Local" : "Cluster",
    loadBalancerIPs: [...s.loadBalancerIps],
    externalIPs: [...s.externalIps],
    externalName: s.externalName,
    publishNotReadyAddresses: s.publishNotReadyAddresses,
    endpoints: s.endpoints.map(endpointFromProto),
    healthCheckNodePort: s.healthCheckNodePort,
  };
}

export function serviceUpdateFromProto(m: ServiceUpdate): ServiceUpdateInput {
  return { full: m.full, upsert: m.upsert.map(serviceFromProto), remove: [...m.remove] };
}
