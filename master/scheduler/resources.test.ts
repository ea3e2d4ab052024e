import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST, nodeAllocatable, podRequests } from "./resources";

const ctr = (requests: Record<string, string> | undefined, extra: Record<string, unknown> = {}) => ({ name: "c", image: "x", resources: requests ? { requests } : {}, ...extra });
const Mi = 1024 * 1024;
const Gi = 1024 * Mi;

test("containers add up; a missing request is 0 for filtering", () => {
  const r = podRequests({ containers: [ctr({ cpu: "250m", memory: "64Mi" }), ctr({ cpu: "1" }), ctr(undefined)] });
  assert.deepEqual(r, { milliCpu: 1250, memory: 64 * Mi, ephemeralStorage: 0 });
});

test("init containers run one at a time: the pod needs the larger of their peak and the containers' sum", () => {
  // Kubernetes' worked example: init 2 cpu/1G and 2 cpu/3G; containers 2 cpu/1G + 1 cpu/1G → 3 cpu, 3G.
  const spec = {
    initContainers: [ctr({ cpu: "2", memory: "1G" }), ctr({ cpu: "2", memory: "3G" })],
    containers: [ctr({ cpu: "2", memory: "1G" }), ctr({ cpu: "1", memory: "1G" })],
  };
  assert.deepEqual(podRequests(spec), { milliCpu: 3000, memory: 3e9, ephemeralStorage: 0 });
});

test("a sidecar (restartPolicy Always) runs next to every later init container and the app", () => {
  const spec = {
    initContainers: [ctr({ cpu: "500m" }, { restartPolicy: "Always" }), ctr({ cpu: "2" })],
    containers: [ctr({ cpu: "1" })],
  };
  // max(app 1 + sidecar 0.5, init 2 + sidecar 0.5) = 2.5
  assert.equal(podRequests(spec).milliCpu, 2500);
  const early = { initContainers: [ctr({ cpu: "2" }), ctr({ cpu: "500m" }, { restartPolicy: "Always" })], containers: [ctr({ cpu: "1" })] };
  // The init container ran before the sidecar started: max(2, 1 + 0.5) = 2
  assert.equal(podRequests(early).milliCpu, 2000);
});

test("overhead is added on top; ephemeral-storage is counted", () => {
  const r = podRequests({ containers: [ctr({ cpu: "100m", "ephemeral-storage": "1Gi" })], overhead: { cpu: "50m", memory: "10Mi" } });
  assert.deepEqual(r, { milliCpu: 150, memory: 10 * Mi, ephemeralStorage: Gi });
});

test("scoring requests default a missing cpu/memory request per container, but keep an explicit 0", () => {
  const r = podRequests({ containers: [ctr(undefined), ctr({ cpu: "0", memory: "1Gi" })] }, true);
  assert.deepEqual(r, { milliCpu: DEFAULT_MILLI_CPU_REQUEST, memory: DEFAULT_MEMORY_REQUEST + Gi, ephemeralStorage: 0 });
});

test("node allocatable: allocatable first, capacity as fallback, pods counted", () => {
  assert.deepEqual(nodeAllocatable({ capacity: { cpu: "8", memory: "16Gi", pods: "110" }, allocatable: { cpu: "7500m", memory: "15Gi", pods: "100" } }), {
    milliCpu: 7500,
    memory: 15 * Gi,
    ephemeralStorage: 0,
    pods: 100,
  });
  assert.deepEqual(nodeAllocatable({ capacity: { cpu: "2", memory: "1Gi", pods: "10", "ephemeral-storage": "10Gi" } }), { milliCpu: 2000, memory: Gi, ephemeralStorage: 10 * Gi, pods: 10 });
  assert.deepEqual(nodeAllocatable(undefined), { milliCpu: 0, memory: 0, ephemeralStorage: 0, pods: 0 });
});
