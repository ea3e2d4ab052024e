// Resource arithmetic the way Kubernetes schedules: a pod's effective request (containers run
// together, init containers one at a time, sidecars alongside everything after them, overhead on
// top) and a node's allocatable. CPU in millicores, memory and storage in bytes.

import { isJsonObject, type JsonObject } from "../../api/object";
import { parseBytes, parseMillis } from "../../api/quantity";

export interface Resources {
  milliCpu: number;
  memory: number;
  ephemeralStorage: number;
}

export interface NodeAllocatable extends Resources {
  /** How many pods the node takes (allocatable "pods"); 0 when the node does not say. */
  pods: number;
}

/** What a container without a cpu/memory request counts as when scoring (not when filtering). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export const zeroResources = (): Resources => ({ milliCpu: 0, memory: 0, ephemeralStorage: 0 });

/** Unparseable quantities count as 0: validation refuses them on the way in, so only corrupt data has them. */
function quantity(list: JsonObject, name: string, parse: (q: string | number) => number): number | undefined {
  const raw = list[name];
  if (typeof raw !== "string" && typeof raw !== "number") return undefined;
  try {
    return parse(raw);
  } catch {
    return 0;
  }
}

/**
 * A container's (or the overhead's) requests. With `nonZero`, a *missing* cpu or memory request
 * counts as the scoring default (an explicit 0 stays 0), which keeps many request-less pods from
 * piling onto one node in the score.
 */
export function resourceList(list: unknown, nonZero = false): Resources {
  const l = isJsonObject(list) ? list : {};
  const cpu = quantity(l, "cpu", parseMillis);
  const memory = quantity(l, "memory", parseBytes);
  return {
    milliCpu: cpu ?? (nonZero ? DEFAULT_MILLI_CPU_REQUEST : 0),
    memory: memory ?? (nonZero ? DEFAULT_MEMORY_REQUEST : 0),
    ephemeralStorage: quantity(l, "ephemeral-storage", parseBytes) ?? 0,
  };
}

export function addResources(a: Resources, b: Resources): Resources {
  return { milliCpu: a.milliCpu + b.milliCpu, memory: a.memory + b.memory, ephemeralStorage: a.ephemeralStorage + b.ephemeralStorage };
}

export function subtractResources(a: Resources, b: Resources): Resources {
  return { milliCpu: a.milliCpu - b.milliCpu, memory: a.memory - b.memory, ephemeralStorage: a.ephemeralStorage - b.ephemeralStorage };
}

function maxResources(a: Resources, b: Resources): Resources {
  return {
    milliCpu: Math.max(a.milliCpu, b.milliCpu),
    memory: Math.max(a.memory, b.memory),
    ephemeralStorage: Math.max(a.ephemeralStorage, b.ephemeralStorage),
  };
}

function containers(spec: JsonObject, field: string): JsonObject[] {
  const list = spec[field];
  return Array.isArray(list) ? list.filter(isJsonObject) : [];
}

function requestsOf(container: JsonObject, nonZero: boolean): Resources {
  const resources = isJsonObject(container.resources) ? container.resources : {};
  return resourceList(resources.requests, nonZero);
}

/**
 * The effective request of a pod spec (Kubernetes' resourcehelper.PodRequests):
 *   sum(containers) + sum(restartable init containers, i.e. sidecars)
 *   max'd with every regular init container plus the sidecars started before it,
 *   plus spec.overhead.
 * Example: init 2 cpu; containers 1 + 1 cpu → 2 cpu. Sidecar 500m before init 2 cpu;
 * container 1 cpu → max(1.5, 2.5) = 2.5 cpu.
 */
export function podRequests(spec: JsonObject, nonZero = false): Resources {
  let sum = zeroResources();
  for (const c of containers(spec, "containers")) sum = addResources(sum, requestsOf(c, nonZero));
  let sidecars = zeroResources();
  let initPeak = zeroResources();
  for (const c of containers(spec, "initContainers")) {
    const own = requestsOf(c, nonZero);
    let during: Resources;
    if (c.restartPolicy === "Always") {
      // A sidecar keeps running next to the app containers and every later init container.
      sum = addResources(sum, own);
      sidecars = addResources(sidecars, own);
      during = sidecars;
    } else {
      during = addResources(own, sidecars);
    }
    initPeak = maxResources(initPeak, during);
  }
  const total = maxResources(sum, initPeak);
  return spec.overhead === undefined ? total : addResources(total, resourceList(spec.overhead));
}

/** status.allocatable (defaulted from capacity by the apiserver; capacity again as a fallback). */
export function nodeAllocatable(status: unknown): NodeAllocatable {
  const s = isJsonObject(status) ? status : {};
  const list = isJsonObject(s.allocatable) ? s.allocatable : isJsonObject(s.capacity) ? s.capacity : {};
  const base = resourceList(list);
  return { ...base, pods: quantity(list, "pods", parseBytes) ?? 0 };
}
