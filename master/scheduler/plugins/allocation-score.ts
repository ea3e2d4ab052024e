// Shared arithmetic of the NodeResourcesFit scoring strategies: for cpu and memory (weight 1
// each), the fraction of the node's allocatable that would be requested once the pod is there,
// using scoring requests (a container without a cpu/memory request counts 100m/200Mi).
// Unlike Kubernetes the result is not truncated to an integer, so a node holding a small pod still
// outranks an empty one and bin-packing does not degrade into ties.

import type { NodeInfo } from "../node-info";
import type { PodInfo } from "../pod-info";
import { MAX_NODE_SCORE } from "../types";

export type ResourceScorer = (requested: number, allocatable: number) => number;

/** MostAllocated: fuller is better; over-commit (possible with scoring defaults) counts as full. */
export const mostRequested: ResourceScorer = (requested, allocatable) =>
  allocatable <= 0 ? 0 : (Math.min(requested, allocatable) * MAX_NODE_SCORE) / allocatable;

/** LeastAllocated: emptier is better; over-commit scores 0. */
export const leastRequested: ResourceScorer = (requested, allocatable) =>
  allocatable <= 0 || requested > allocatable ? 0 : ((allocatable - requested) * MAX_NODE_SCORE) / allocatable;

export function allocationScore(scorer: ResourceScorer, pod: PodInfo, node: NodeInfo): number {
  const cpu = scorer(node.nonZeroRequested.milliCpu + pod.nonZeroRequests.milliCpu, node.allocatable.milliCpu);
  const memory = scorer(node.nonZeroRequested.memory + pod.nonZeroRequests.memory, node.allocatable.memory);
  return (cpu + memory) / 2;
}
