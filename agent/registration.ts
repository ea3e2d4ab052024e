// Node registration: the agent creates (or refreshes) its Node object through the Kubernetes
// API, the way a kubelet registers. It publishes where its gRPC server listens
// (status.addresses InternalIP/Hostname, status.daemonEndpoints.kubeletEndpoint.Port), what it
// offers (capacity, allocatable, nodeInfo), the standard node labels, and Ready=True. From then
// on the master's dispatcher dials that address and keeps the status fresh from the session.
//
// Identity: the agent registers with its node client certificate (`system:node:<name>` in
// `system:nodes`, from `gantry join`'s TLS bootstrap), so the Node authorizer and NodeRestriction
// let it write its own Node and nothing else. The client (api-client.ts) trusts only the cluster CA.

import { answerMessage, ApiRequestError, type ApiAnswer, type ApiClient } from "./api-client";
import { formatTime } from "../api/time";

export interface NodeAddress {
  type: "InternalIP" | "ExternalIP" | "Hostname" | "InternalDNS" | "ExternalDNS";
  address: string;
}

/** Kubernetes' NodeSystemInfo (status.nodeInfo); fields not given are left empty. */
export interface NodeSystemInfo {
  machineID?: string;
  systemUUID?: string;
  bootID?: string;
  kernelVersion?: string;
  osImage?: string;
  containerRuntimeVersion?: string;
  kubeletVersion?: string;
  kubeProxyVersion?: string;
  operatingSystem?: string;
  architecture?: string;
}

export interface RegisterNodeOptions {
  /** The API, with the node's credentials. */
  api: ApiClient;
  nodeName: string;
  /** At least an InternalIP: the address masters dial. A Hostname entry is added if missing. */
  addresses: NodeAddress[];
  /** The agent's gRPC port. */
  port: number;
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
  nodeInfo: NodeSystemInfo;
  /** Extra labels; the kubernetes.io/{hostname,os,arch} labels are always set. */
  labels?: Record<string, string>;
  /** Keep retrying failed attempts (master not up yet) for this long. Default 0: one attempt. */
  retryForMs?: number;
  clock?: () => Date;
}

export interface NodeObject {
  apiVersion: "v1";
  kind: "Node";
  metadata: { name: string; uid?: string; resourceVersion?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export class RegistrationError extends Error {
  constructor(
    message: string,
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = "RegistrationError";
  }
}

/** The labels every node carries. */
export function nodeLabels(nodeName: string, extra: Record<string, string> = {}, arch = process.arch): Record<string, string> {
  return {
    ...extra,
    "kubernetes.io/hostname": nodeName,
    "kubernetes.io/os": "linux",
    "kubernetes.io/arch": goArch(arch),
  };
}

/** The status registration writes: addresses, endpoint, resources, info and fresh conditions. */
export function registrationStatus(o: RegisterNodeOptions, now: string): Record<string, unknown> {
  const addresses = [...o.addresses];
  if (!addresses.some((a) => a.type === "Hostname")) addresses.push({ type: "Hostname", address: o.nodeName });
  const condition = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: now });
  return {
    addresses,
    daemonEndpoints: { kubeletEndpoint: { Port: o.port } },
    capacity: { ...o.capacity },
    allocatable: { ...o.allocatable },
    nodeInfo: {
      machineID: "",
      systemUUID: "",
      bootID: "",
      kernelVersion: "",
      osImage: "",
      containerRuntimeVersion: "",
      kubeletVersion: "",
      kubeProxyVersion: "",
      operatingSystem: "linux",
      architecture: goArch(process.arch),
      ...o.nodeInfo,
    },
    conditions: [
      condition("MemoryPressure", "False", "AgentHasSufficientMemory", "agent has sufficient memory available"),
      condition("DiskPressure", "False", "AgentHasNoDiskPressure", "agent has no disk pressure"),
      condition("PIDPressure", "False", "AgentHasSufficientPID", "agent has sufficient PID available"),
      condition("Ready", "True", "AgentReady", "agent is posting ready status"),
    ],
  };
}

/** Creates the Node, or refreshes labels and status of an existing one; returns the Node. */
export async function registerNode(o: RegisterNodeOptions): Promise<NodeObject> {
  if (!o.addresses.some((a) => a.type === "InternalIP" && a.address)) {
    throw new RegistrationError(`node ${o.nodeName}: give an InternalIP address; masters dial the agent there`);
  }
  const deadline = Date.now() + (o.retryForMs ?? 0);
  for (let attempt = 0; ; attempt++) {
    try {
      return await registerOnce(o);
    } catch (err) {
      const status = err instanceof RegistrationError || err instanceof ApiRequestError ? err.statusCode : undefined;
      const permanent = status !== undefined && status < 500 && status !== 429;
      if (permanent || Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * 2 ** attempt)));
    }
  }
}

async function registerOnce(o: RegisterNodeOptions): Promise<NodeObject> {
  const api = o.api;
  const now = formatTime(o.clock?.() ?? new Date());
  const path = `/api/v1/nodes/${encodeURIComponent(o.nodeName)}`;
  const labels = nodeLabels(o.nodeName, o.labels);
  const status = registrationStatus(o, now);

  const existing = await api.request("GET", path);
  if (existing.status === 404) {
    const created = await api.request("POST", "/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name: o.nodeName, labels }, spec: {}, status });
    if (created.status === 201 || created.status === 200) return created.body as NodeObject;
    if (created.status !== 409) throw failure(o, "create", created);
    // Created by someone else in between (a restarting agent): refresh it below.
  } else if (existing.status !== 200) {
    throw failure(o, "read", existing);
  }
  const patched = await api.request("PATCH", path, { metadata: { labels } }, "application/merge-patch+json");
  if (patched.status !== 200) throw failure(o, "label", patched);
  const updated = await api.request("PATCH", `${path}/status`, { status }, "application/merge-patch+json");
  if (updated.status !== 200) throw failure(o, "update the status of", updated);
  return updated.body as NodeObject;
}

function failure(o: RegisterNodeOptions, what: string, a: ApiAnswer): RegistrationError {
  const hint = a.status === 401 ? " (the node's client certificate is not accepted: join the cluster again with `gantry join`)" : "";
  return new RegistrationError(`could not ${what} node ${o.nodeName}: ${a.status} ${answerMessage(a)}${hint}`, a.status);
}

function goArch(arch: string): string {
  return arch === "x64" ? "amd64" : arch === "ia32" ? "386" : arch;
}
