// NodeResourcesFit: the pod's effective request must fit in what the node has left (allocatable
// minus the requests of the pods already there, assumed ones included), and the node must take
// one more pod. Every shortage is reported, so one node can count as both "Insufficient cpu" and
// "Insufficient memory". Resolvable: evicting pods frees resources.

import { Status, type FilterPlugin } from "../types";

export const NODE_RESOURCES_FIT = "NodeResourcesFit";
export const TOO_MANY_PODS = "Too many pods";
export const INSUFFICIENT_CPU = "Insufficient cpu";
export const INSUFFICIENT_MEMORY = "Insufficient memory";
export const INSUFFICIENT_EPHEMERAL_STORAGE = "Insufficient ephemeral-storage";

// The common verdicts are built once: this filter runs for every node of every cycle.
const FITS = Status.success();
const ONLY_CPU = Status.unschedulable(INSUFFICIENT_CPU);
const ONLY_MEMORY = Status.unschedulable(INSUFFICIENT_MEMORY);
const CPU_AND_MEMORY = Status.unschedulable(INSUFFICIENT_CPU, INSUFFICIENT_MEMORY);

export const nodeResourcesFit = {
  name: NODE_RESOURCES_FIT,
  filter(pod, node) {
    const want = pod.requests;
    const alloc = node.allocatable;
    const used = node.requested;
    const tooMany = node.pods.size + 1 > alloc.pods;
    const cpu = want.milliCpu > 0 && want.milliCpu > alloc.milliCpu - used.milliCpu;
    const memory = want.memory > 0 && want.memory > alloc.memory - used.memory;
    const storage = want.ephemeralStorage > 0 && want.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage;
    if (!tooMany && !storage) {
      if (cpu) return memory ? CPU_AND_MEMORY : ONLY_CPU;
      return memory ? ONLY_MEMORY : FITS;
    }
    const reasons: string[] = [];
    if (tooMany) reasons.push(TOO_MANY_PODS);
    if (cpu) reasons.push(INSUFFICIENT_CPU);
    if (memory) reasons.push(INSUFFICIENT_MEMORY);
    if (storage) reasons.push(INSUFFICIENT_EPHEMERAL_STORAGE);
    return Status.unschedulable(...reasons);
  },
} satisfies FilterPlugin;
