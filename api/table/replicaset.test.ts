import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../object";
import { replicaSetPrinter } from "./replicaset";
import { MINUTE, NOW, ago } from "./testing/clock";

test("a replica set: DESIRED CURRENT READY as integers, then the template and selector", () => {
  const rs: KubeObject = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "web-7d4b9c", creationTimestamp: ago(15 * MINUTE) },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web", "pod-template-hash": "7d4b9c" } },
      template: { spec: { containers: [{ name: "web", image: "nginx:1.27" }] } },
    },
    status: { replicas: 3, readyReplicas: 2, availableReplicas: 2 },
  };
  assert.deepEqual(replicaSetPrinter.print(rs, NOW).cells, ["web-7d4b9c", 3, 3, 2, "15m", "web", "nginx:1.27", "app=web,pod-template-hash=7d4b9c"]);
  assert.deepEqual(
    replicaSetPrinter.columns.map((c) => `${c.name}:${c.type}`),
    ["Name:string", "Desired:integer", "Current:integer", "Ready:integer", "Age:string", "Containers:string", "Images:string", "Selector:string"],
  );
});

test("an empty replica set: defaulted replicas, zero counts, <none> selector", () => {
  const rs: KubeObject = { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "old" } };
  assert.deepEqual(replicaSetPrinter.print(rs, NOW).cells, ["old", 1, 0, 0, "<unknown>", "", "", "<none>"]);
});
