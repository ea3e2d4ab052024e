// Services and endpoints for tests, every field set: pass only what a test is about.

import type { Endpoint, ServiceInfo, ServicePort } from "../catalog";

export function service(namespace: string, name: string, extra: Partial<ServiceInfo> = {}): ServiceInfo {
  return {
    namespace,
    name,
    uid: `${namespace}-${name}`,
    resourceVersion: "1",
    type: "ClusterIP",
    clusterIPs: [],
    headless: false,
    ports: [],
    sessionAffinity: "None",
    sessionAffinityTimeoutSeconds: 10800,
    externalTrafficPolicy: "Cluster",
    internalTrafficPolicy: "Cluster",
    loadBalancerIPs: [],
    externalIPs: [],
    externalName: "",
    publishNotReadyAddresses: false,
    endpoints: [],
    healthCheckNodePort: 0,
    ...extra,
  };
}

export function port(name: string, port: number, protocol: ServicePort["protocol"] = "TCP"): ServicePort {
  return { name, protocol, port, nodePort: 0 };
}

export function endpoint(address: string, extra: Partial<Endpoint> = {}, ports: ServicePort[] = []): Endpoint {
  return {
    addresses: [address],
    ready: true,
    serving: true,
    terminating: false,
    nodeName: "node-a",
    hostname: "",
    podName: "",
    zone: "",
    ports: ports.map((p) => ({ name: p.name, protocol: p.protocol, port: p.port })),
    ...extra,
  };
}
