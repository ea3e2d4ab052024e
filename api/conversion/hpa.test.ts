import { test } from "node:test";
import assert from "node:assert/strict";
import { hpaV1ToV2, hpaV2ToV1 } from "./hpa";

const v1 = {
  apiVersion: "autoscaling/v1",
  kind: "HorizontalPodAutoscaler",
  metadata: { name: "web", namespace: "default" },
  spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, minReplicas: 1, maxReplicas: 10, targetCPUUtilizationPercentage: 50 },
};

test("v1 CPU target becomes a v2 Resource metric and back", () => {
  const v2 = hpaV1ToV2(v1);
  assert.equal(v2.apiVersion, "autoscaling/v2");
  assert.deepEqual((v2.spec as { metrics: unknown }).metrics, [
    { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } },
  ]);
  const back = hpaV2ToV1(v2);
  assert.deepEqual(back.spec, v1.spec);
  assert.equal(back.metadata.annotations, undefined);
});

test("v2 metrics v1 cannot express survive a v1 round trip in annotations", () => {
  const v2 = {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web" },
    spec: {
      scaleTargetRef: { kind: "Deployment", name: "web" },
      maxReplicas: 5,
      metrics: [{ type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 70 } } }],
    },
  };
  const v1Form = hpaV2ToV1(v2);
  assert.equal((v1Form.spec as Record<string, unknown>).targetCPUUtilizationPercentage, undefined);
  const again = hpaV1ToV2(v1Form);
  assert.deepEqual((again.spec as { metrics: unknown }).metrics, v2.spec.metrics);
});
