// The agent's NodeStatus (proto) merged into a Node's v1 status, and the node's Lease in
// kube-node-lease. Pure. Every merge stamps the agent's conditions with a fresh
// lastHeartbeatTime: the write itself is the heartbeat the node lifecycle controller reads.

import type { JsonObject, KubeObject } from "../../api/object";
import type { NodeInfo, NodeStatus } from "../../proto/gen/agent";
import { formatMicroTime as microTime, formatTime as rfc3339 } from "../../api/time";

export const NODE_LEASE_NAMESPACE = "kube-node-lease";
export const NODE_LEASE_DURATION_SECONDS = 40;

/** `report` undefined: no NodeStatus yet this session; only the Ready heartbeat is refreshed. */
export function mergeNodeStatus(node: KubeObject, report: NodeStatus | undefined, now: string): JsonObject {
  const out: JsonObject = { ...((node.status ?? {}) as JsonObject) };
  const existing = ((out.conditions ?? []) as JsonObject[]).map((c) => ({ ...c }));
  if (!report) {
    for (const c of existing) if (c.type === "Ready") c.lastHeartbeatTime = now;
    if (existing.length > 0) out.conditions = existing;
    return out;
  }
  if (Object.keys(report.capacity).length > 0) out.capacity = { ...report.capacity };
  if (Object.keys(report.allocatable).length > 0) out.allocatable = { ...report.allocatable };

  const reported = new Map(report.conditions.map((c) => [c.type, c]));
  const conditions: JsonObject[] = existing.filter((c) => !reported.has(String(c.type)));
  for (const c of report.conditions) {
    const prev = existing.find((e) => e.type === c.type);
    const sameStatus = prev !== undefined && prev.status === c.status;
    const cond: JsonObject = {
      type: c.type,
      status: c.status,
      lastHeartbeatTime: now,
      lastTransitionTime: c.lastTransitionTime || (sameStatus && prev.lastTransitionTime ? prev.lastTransitionTime : now),
    };
    if (c.reason) cond.reason = c.reason;
    if (c.message) cond.message = c.message;
    conditions.push(cond);
  }
  if (conditions.length > 0) out.conditions = conditions;

  const info = report.nodeInfo ? nodeInfoJson(report.nodeInfo, (out.nodeInfo ?? {}) as JsonObject) : undefined;
  if (info) out.nodeInfo = info;
  // The dispatcher and the apiserver dial the node at its InternalIP: never drop it.
  if (report.addresses.some((a) => a.type === "InternalIP" && a.address)) {
    const seen = new Set<string>();
    out.addresses = report.addresses
      .filter((a) => a.type && a.address && !seen.has(`${a.type}/${a.address}`) && seen.add(`${a.type}/${a.address}`))
      .map((a) => ({ type: a.type, address: a.address }));
  }
  if (report.images.length > 0) out.images = report.images.map((i) => ({ names: [...i.names], sizeBytes: i.sizeBytes }));
  return out;
}

/** Kubernetes' NodeSystemInfo; fields the agent leaves empty keep their registered values. */
export function nodeInfoJson(info: NodeInfo, previous: JsonObject = {}): JsonObject {
  const pick = (value: string, key: string) => value || String(previous[key] ?? "");
  return {
    machineID: pick(info.machineId, "machineID"),
    systemUUID: pick(info.systemUuid, "systemUUID"),
    bootID: pick(info.bootId, "bootID"),
    kernelVersion: pick(info.kernelVersion, "kernelVersion"),
    osImage: pick(info.osImage, "osImage"),
    containerRuntimeVersion: pick(info.containerRuntimeVersion, "containerRuntimeVersion"),
    kubeletVersion: pick(info.agentVersion, "kubeletVersion"),
    kubeProxyVersion: String(previous.kubeProxyVersion ?? ""),
    operatingSystem: pick(info.operatingSystem, "operatingSystem"),
    architecture: pick(info.architecture, "architecture"),
  };
}

/** The node's Lease as the kubelet keeps it: held by the node, owned by the Node object. */
export function nodeLease(node: KubeObject, now: Date, existing?: KubeObject): KubeObject {
  const name = node.metadata.name ?? "";
  return {
    ...(existing ?? {}),
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      ...(existing?.metadata ?? { name, namespace: NODE_LEASE_NAMESPACE }),
      ownerReferences: node.metadata.uid ? [{ apiVersion: "v1", kind: "Node", name, uid: node.metadata.uid }] : existing?.metadata.ownerReferences,
    },
    spec: {
      ...((existing?.spec ?? {}) as JsonObject),
      holderIdentity: name,
      leaseDurationSeconds: NODE_LEASE_DURATION_SECONDS,
      renewTime: microTime(now),
    },
  };
}

/** metav1.MicroTime and metav1.Time (api/time.ts). */
export { microTime, rfc3339 };
