// Nodes and pods made through the API with the status an agent would report, for tests of what
// the master does with them (endpoints, load balancers, the service feed) without running any
// agent. Node addresses are loopback addresses and their agent port is a closed loopback port, so
// the dispatcher's dial attempts never leave the machine.

import type { ApiClient } from "./api-client";

type Json = Record<string, unknown>;

export async function apiJson<T = Json>(api: ApiClient, method: string, path: string, body?: unknown): Promise<T> {
  const r = await api.request(method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body}`);
  return r.json<T>();
}

const now = () => `${new Date().toISOString().slice(0, 19)}Z`;

export interface FakeNodeOptions {
  /** InternalIP; a loopback address. */
  ip: string;
  /** Agent port the dispatcher dials; default 1 (nothing listens there). */
  agentPort?: number;
  ready?: boolean;
  zone?: string;
}

/** Creates a Node (or replaces its status) as a registered, heartbeating agent would. */
export async function putNode(api: ApiClient, name: string, o: FakeNodeOptions): Promise<void> {
  const path = `/api/v1/nodes/${name}`;
  const exists = (await api.request("GET", path)).status === 200;
  if (!exists) {
    await apiJson(api, "POST", "/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name, labels: o.zone ? { "topology.kubernetes.io/zone": o.zone } : {} } });
  }
  // The master writes new Nodes too (pod CIDR, taints): retry a conflicting status write.
  for (let attempt = 0; ; attempt++) {
    const node = await apiJson<{ status?: Json }>(api, "GET", path);
    node.status = {
      ...(node.status ?? {}),
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True", reason: "Test", message: "set by the test", lastHeartbeatTime: now(), lastTransitionTime: now() }],
      addresses: [
        { type: "InternalIP", address: o.ip },
        { type: "Hostname", address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: o.agentPort ?? 1 } },
    };
    const r = await api.request("PUT", `${path}/status`, node);
    if (r.status === 409 && attempt < 10) continue;
    if (r.status >= 300) throw new Error(`PUT ${path}/status: ${r.status} ${r.body}`);
    return;
  }
}

export interface FakePodOptions {
  labels?: Record<string, string>;
  node?: string;
  /** Pod IP; none when "". */
  ip?: string;
  ready?: boolean;
  ports?: { name: string; containerPort: number; protocol?: string }[];
  hostname?: string;
  subdomain?: string;
}

/** Creates a pod bound to a node and writes the status its agent would report. */
export async function createPod(api: ApiClient, namespace: string, name: string, o: FakePodOptions = {}): Promise<void> {
  await apiJson(api, "POST", `/api/v1/namespaces/${namespace}/pods`, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: o.labels ?? {} },
    spec: {
      nodeName: o.node,
      ...(o.hostname ? { hostname: o.hostname } : {}),
      ...(o.subdomain ? { subdomain: o.subdomain } : {}),
      containers: [{ name: "main", image: "127.0.0.1:5000/gantry/web:1", ports: o.ports }],
    },
  });
  await setPodStatus(api, namespace, name, { ip: o.ip, ready: o.ready });
}

/** Writes a running pod's status: its IP and whether it is Ready. */
export async function setPodStatus(api: ApiClient, namespace: string, name: string, o: { ip?: string; ready?: boolean }): Promise<void> {
  const path = `/api/v1/namespaces/${namespace}/pods/${name}`;
  const pod = await apiJson<{ status?: Json }>(api, "GET", path);
  const ip = o.ip ?? (pod.status?.podIP as string | undefined) ?? "";
  const ready = o.ready !== false ? "True" : "False";
  pod.status = {
    ...(pod.status ?? {}),
    phase: "Running",
    ...(ip ? { podIP: ip, podIPs: [{ ip }], hostIP: "127.0.0.1" } : {}),
    conditions: [
      { type: "Ready", status: ready, lastTransitionTime: now() },
      { type: "ContainersReady", status: ready, lastTransitionTime: now() },
    ],
  };
  await apiJson(api, "PUT", `${path}/status`, pod);
}
