// Builders for scheduler tests: Node and Pod objects as the API stores them, and the NodeInfo /
// PodInfo views the plugins read.

import type { KubeObject } from "../../api/object";
import { NodeInfo } from "./node-info";
import { newPodInfo, type PodInfo } from "./pod-info";

export interface NodeSpecForTest {
  cpu?: string;
  memory?: string;
  pods?: string;
  ephemeralStorage?: string;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  unschedulable?: boolean;
}

export function testNode(name: string, o: NodeSpecForTest = {}): KubeObject {
  const capacity: Record<string, string> = { cpu: o.cpu ?? "4", memory: o.memory ?? "8Gi", pods: o.pods ?? "110" };
  if (o.ephemeralStorage) capacity["ephemeral-storage"] = o.ephemeralStorage;
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...o.labels } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: {
      capacity,
      allocatable: { ...capacity },
      conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "hollow node for tests" }],
    },
  };
}

export interface PodSpecForTest {
  namespace?: string;
  cpu?: string;
  memory?: string;
  ephemeralStorage?: string;
  priority?: number;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: unknown;
  tolerations?: unknown[];
  hostPort?: number | { hostPort: number; hostIP?: string; protocol?: string };
  phase?: string;
  preemptionPolicy?: string;
  schedulerName?: string;
  uid?: string;
}

export function testPod(name: string, o: PodSpecForTest = {}): KubeObject {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  if (o.ephemeralStorage) requests["ephemeral-storage"] = o.ephemeralStorage;
  const port = typeof o.hostPort === "number" ? { hostPort: o.hostPort } : o.hostPort;
  const container: Record<string, unknown> = { name: "app", image: "busybox", resources: { requests } };
  if (port) container.ports = [{ containerPort: port.hostPort, ...port }];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: o.namespace ?? "default", uid: o.uid ?? `uid-${name}` },
    spec: {
      containers: [container],
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.affinity ? { affinity: o.affinity } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
      ...(o.preemptionPolicy ? { preemptionPolicy: o.preemptionPolicy } : {}),
      ...(o.schedulerName ? { schedulerName: o.schedulerName } : {}),
    },
    status: { phase: o.phase ?? "Pending" },
  };
}

export function podInfo(name: string, o: PodSpecForTest = {}): PodInfo {
  return newPodInfo(testPod(name, o));
}

/** A NodeInfo for `node` holding `pods` (which need not name the node). */
export function nodeInfo(node: KubeObject, ...pods: PodInfo[]): NodeInfo {
  const info = new NodeInfo(node.metadata.name ?? "");
  info.setNode(node);
  for (const p of pods) info.addPod(p);
  return info;
}
