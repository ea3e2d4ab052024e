// The objects a scheduler workload creates, from its plan: HOLLOW nodes (simulated Node objects
// with capacity and a Ready condition, named hollow-node-N and labelled
// gantry.dev/hollow-node=true; no agent runs them) and pods whose requests are drawn from the
// plan's ranges with a fixed seed, so every run creates the same pods.

import type { KubeObject } from "../api/object";
import type { CreateNodesOp, CreatePodsOp, Range } from "./workload-config";

export const BENCH_NAMESPACE = "bench-scheduler";

/** mulberry32: small, fast, reproducible. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (rand: () => number, r: Range) => (r.max === r.min ? r.min : r.min + Math.floor(rand() * ((r.max - r.min) / r.step + 1)) * r.step);

export function hollowNodes(op: CreateNodesOp, firstIndex: number): KubeObject[] {
  const capacity = { cpu: op.capacity.cpu, memory: op.capacity.memory, pods: op.capacity.pods };
  return Array.from({ length: op.count }, (_, k) => {
    const i = firstIndex + k;
    const name = `hollow-node-${i}`;
    const labels: Record<string, string> = { ...op.labels, "kubernetes.io/hostname": name, "gantry.dev/hollow-node": "true" };
    if (op.labelRotation) labels[op.labelRotation.key] = op.labelRotation.values[i % op.labelRotation.values.length];
    return {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name, labels },
      spec: op.taints.length > 0 ? { taints: op.taints } : {},
      status: { capacity, allocatable: capacity, conditions: [{ type: "Ready", status: "True", reason: "HollowNode", message: "simulated node: no agent" }] },
    };
  });
}

/** What the packing bound needs to know about one pod. */
export interface PodShape {
  name: string;
  milliCpu: number;
  memoryBytes: number;
  hostPort?: number;
}

export function benchPods(op: CreatePodsOp, prefix: string, rand: () => number): { objects: KubeObject[]; shapes: PodShape[] } {
  const objects: KubeObject[] = [];
  const shapes: PodShape[] = [];
  for (let i = 0; i < op.count; i++) {
    const shape: PodShape = { name: `${prefix}-${i}`, milliCpu: pick(rand, op.milliCpu), memoryBytes: pick(rand, op.memoryBytes) };
    if (op.hostPorts) shape.hostPort = op.hostPorts.min + (i % (op.hostPorts.max - op.hostPorts.min + 1));
    const container: Record<string, unknown> = {
      name: "app",
      image: "registry.invalid/pause:1",
      resources: { requests: { cpu: `${shape.milliCpu}m`, memory: String(shape.memoryBytes) } },
    };
    if (shape.hostPort !== undefined) container.ports = [{ containerPort: 8080, hostPort: shape.hostPort, protocol: "TCP" }];
    objects.push({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: shape.name, namespace: BENCH_NAMESPACE, labels: { app: prefix } },
      spec: {
        containers: [container],
        ...(op.nodeSelector ? { nodeSelector: op.nodeSelector } : {}),
        ...(op.affinity ? { affinity: op.affinity } : {}),
        ...(op.tolerations ? { tolerations: op.tolerations } : {}),
      },
    });
    shapes.push(shape);
  }
  return { objects, shapes };
}

/**
 * The fewest nodes the bound pods could fit on: per resource, total request over one node's
 * capacity; per host port, the pods using it (one per node). Ignores selectors and taints, so it
 * is a lower bound, not always reachable.
 */
export function packingLowerBound(pods: readonly PodShape[], node: { milliCpu: number; memoryBytes: number; podSlots: number }) {
  const perPort = new Map<number, number>();
  for (const p of pods) if (p.hostPort !== undefined) perPort.set(p.hostPort, (perPort.get(p.hostPort) ?? 0) + 1);
  const bounds = {
    cpu: Math.ceil(pods.reduce((s, p) => s + p.milliCpu, 0) / node.milliCpu),
    memory: Math.ceil(pods.reduce((s, p) => s + p.memoryBytes, 0) / node.memoryBytes),
    pods: Math.ceil(pods.length / node.podSlots),
    hostPorts: Math.max(0, ...perPort.values()),
  };
  return { bounds, lowerBound: Math.max(...Object.values(bounds)) };
}
