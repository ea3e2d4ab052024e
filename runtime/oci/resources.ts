// ContainerResources → OCI linux.resources, with the kubelet's arithmetic so a pod gets the
// same CPU share and quota here as on a Kubernetes node:
//   shares = request millis × 1024 / 1000, at least 2 (a container without a request gets 2,
//            as BestEffort pods do); on cgroup v2 runc itself maps shares to cpu.weight;
//   quota  = limit millis × 100000 / 1000 µs per 100000 µs period, at least 1000 µs
//            (the kernel's minimum).
// memoryRequestBytes is not enforced: cgroup v1 has no guarantee knob, and kubelet only maps
// it to memory.min under the optional MemoryQoS feature.

import type { ContainerResources } from "../types";
import type { OciResources } from "./spec-types";

export const cpuPeriodUs = 100_000;
const minShares = 2;
const maxShares = 262_144;
const minQuotaUs = 1_000;

export function milliCpuToShares(millis: number | undefined): number {
  if (millis === undefined || millis <= 0) return minShares;
  const shares = Math.floor((millis * 1024) / 1000);
  return Math.min(maxShares, Math.max(minShares, shares));
}

export function milliCpuToQuota(millis: number): number {
  return Math.max(minQuotaUs, Math.floor((millis * cpuPeriodUs) / 1000));
}

export interface ResourceOptions {
  /** Also cap memory+swap at the memory limit, so a limited container OOMs instead of
   *  swapping. Only meaningful when the node has swap and the kernel accounts it. */
  limitSwap: boolean;
}

export function ociResources(r: ContainerResources, opts: ResourceOptions): Omit<OciResources, "devices"> {
  const out: Omit<OciResources, "devices"> = {
    cpu: { shares: milliCpuToShares(r.cpuRequestMillis) },
  };
  if (r.cpuLimitMillis !== undefined && r.cpuLimitMillis > 0) {
    out.cpu = { ...out.cpu, quota: milliCpuToQuota(r.cpuLimitMillis), period: cpuPeriodUs };
  }
  if (r.memoryLimitBytes !== undefined && r.memoryLimitBytes > 0) {
    out.memory = { limit: r.memoryLimitBytes, ...(opts.limitSwap ? { swap: r.memoryLimitBytes } : {}) };
  }
  return out;
}
