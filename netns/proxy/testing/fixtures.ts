// Hand-made catalog entries for the proxy's tests and benchmarks.

import type { Endpoint, ServiceInfo } from "../../services/catalog";
import { service as baseService } from "../../services/testing/service-fixtures";
import type { ProxyFacts } from "../types";

export function facts(over: Partial<ProxyFacts> = {}): ProxyFacts {
  return {
    nodeName: "node-a",
    nodePortAddresses: ["127.0.0.1", "192.168.0.10"],
    podCIDRs: ["10.244.1.0/24"],
    clusterCIDRs: ["10.244.0.0/16"],
    serviceCIDRs: ["10.96.0.0/12"],
    masqueradeOutside: true,
    ...over,
  };
}

export function endpoint(ip: string, port: number, over: Partial<Endpoint> = {}, portName = "http", protocol: Endpoint["ports"][number]["protocol"] = "TCP"): Endpoint {
  return { addresses: [ip], ready: true, serving: true, terminating: false, nodeName: "node-b", hostname: "", podName: "", zone: "", ports: [{ name: portName, protocol, port }], ...over };
}

export function service(name: string, clusterIP: string, endpoints: Endpoint[], over: Partial<ServiceInfo> = {}): ServiceInfo {
  return baseService("default", name, { uid: `uid-${name}`, clusterIPs: [clusterIP], ports: [{ name: "http", protocol: "TCP", port: 80, nodePort: 0 }], endpoints, ...over });
}
