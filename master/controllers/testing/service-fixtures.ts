// Services, pods and nodes for the endpoint plans' unit tests: the fields those plans read,
// already in the shape the apiserver stores (defaulted ports, ipFamilies).

import type { KubeObject } from "../../../api/object";
import type { PodObject, ServiceObject } from "../service-backends";

export function service(name = "web", spec: Record<string, unknown> = {}, labels: Record<string, string> = {}): ServiceObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "default", uid: `${name}-uid`, labels },
    spec: {
      selector: { app: "web" },
      clusterIP: "10.96.0.20",
      clusterIPs: ["10.96.0.20"],
      ipFamilies: ["IPv4"],
      ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }],
      ...spec,
    },
  } as ServiceObject;
}

export interface PodOptions {
  ip?: string;
  ready?: boolean;
  node?: string;
  labels?: Record<string, string>;
  terminating?: boolean;
  phase?: string;
  ports?: { name: string; containerPort: number; protocol?: string }[];
  hostname?: string;
  subdomain?: string;
}

export function pod(name: string, o: PodOptions = {}): PodObject {
  const ip = o.ip === undefined ? `10.244.1.${Number(name.replace(/\D/g, "") || "0") + 10}` : o.ip;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: `${name}-uid`,
      labels: o.labels ?? { app: "web" },
      ...(o.terminating ? { deletionTimestamp: "2025-01-01T00:00:00Z" } : {}),
    },
    spec: {
      nodeName: o.node ?? "node-a",
      containers: [{ name: "main", image: "web", ports: o.ports }],
      ...(o.hostname ? { hostname: o.hostname } : {}),
      ...(o.subdomain ? { subdomain: o.subdomain } : {}),
    },
    status: {
      phase: o.phase ?? "Running",
      ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}),
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }],
    },
  } as PodObject;
}

export function node(name: string, zone?: string): KubeObject {
  return { apiVersion: "v1", kind: "Node", metadata: { name, labels: zone ? { "topology.kubernetes.io/zone": zone } : {} } };
}
