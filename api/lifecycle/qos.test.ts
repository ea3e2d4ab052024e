import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../object";
import { computeQosClass } from "./qos";

const pod = (...resources: unknown[]): KubeObject => ({
  kind: "Pod",
  metadata: { name: "p" },
  spec: { containers: resources.map((r, i) => ({ name: `c${i}`, image: "a", resources: r })) },
});

test("BestEffort: no CPU or memory requests or limits anywhere", () => {
  assert.equal(computeQosClass(pod({}, {})), "BestEffort");
  assert.equal(computeQosClass(pod({ limits: { "example.com/gpu": "1" } })), "BestEffort");
  assert.equal(computeQosClass(pod({ requests: { cpu: "0" } })), "BestEffort");
});

test("Guaranteed: every container limits CPU and memory, and requests equal limits", () => {
  const full = { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "0.5", memory: "1024Mi" } };
  assert.equal(computeQosClass(pod(full, full)), "Guaranteed");
  // Requests default to limits, defaulted or not.
  assert.equal(computeQosClass(pod({ limits: { cpu: "1", memory: "1Gi" } })), "Guaranteed");
});

test("Burstable: anything in between", () => {
  assert.equal(computeQosClass(pod({ requests: { cpu: "100m" } })), "Burstable");
  assert.equal(computeQosClass(pod({ requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } })), "Burstable");
  assert.equal(computeQosClass(pod({ limits: { cpu: "1", memory: "1Gi" } }, {})), "Burstable");
  assert.equal(computeQosClass(pod({ limits: { cpu: "1" } })), "Burstable");
});

test("init containers count too", () => {
  const p = pod({ limits: { cpu: "1", memory: "1Gi" } });
  (p.spec as Record<string, unknown>).initContainers = [{ name: "init", image: "a", resources: { requests: { cpu: "100m" } } }];
  assert.equal(computeQosClass(p), "Burstable");
});
