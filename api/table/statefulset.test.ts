import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../object";
import { statefulSetPrinter } from "./statefulset";
import { HOUR, NOW, ago } from "./testing/clock";

test("a stateful set: READY ready/desired, then containers and images (no selector column)", () => {
  const sts: KubeObject = {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "db", creationTimestamp: ago(50 * HOUR) },
    spec: { replicas: 3, serviceName: "db", template: { spec: { containers: [{ name: "postgres", image: "postgres:17" }] } } },
    status: { replicas: 3, readyReplicas: 1 },
  };
  assert.deepEqual(statefulSetPrinter.print(sts, NOW).cells, ["db", "1/3", "2d2h", "postgres", "postgres:17"]);
  assert.deepEqual(
    statefulSetPrinter.columns.map((c) => c.name),
    ["Name", "Ready", "Age", "Containers", "Images"],
  );
});

test("replicas default to 1", () => {
  const sts: KubeObject = { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "one" }, spec: {} };
  assert.equal(statefulSetPrinter.print(sts, NOW).cells[1], "0/1");
});
