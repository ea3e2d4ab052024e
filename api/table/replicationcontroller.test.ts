import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../object";
import { replicationControllerPrinter } from "./replicationcontroller";
import { DAY, NOW, ago } from "./testing/clock";

test("a replication controller prints its map selector with labels.FormatLabels", () => {
  const rc: KubeObject = {
    apiVersion: "v1",
    kind: "ReplicationController",
    metadata: { name: "legacy", creationTimestamp: ago(400 * DAY) },
    spec: { replicas: 2, selector: { tier: "front", app: "legacy" }, template: { spec: { containers: [{ name: "app", image: "legacy:3" }] } } },
    status: { replicas: 2, readyReplicas: 1 },
  };
  assert.deepEqual(replicationControllerPrinter.print(rc, NOW).cells, ["legacy", 2, 2, 1, "400d", "app", "legacy:3", "app=legacy,tier=front"]);
});

test("without a template or selector", () => {
  const rc: KubeObject = { apiVersion: "v1", kind: "ReplicationController", metadata: { name: "empty" }, spec: { replicas: 0 } };
  assert.deepEqual(replicationControllerPrinter.print(rc, NOW).cells, ["empty", 0, 0, 0, "<unknown>", "", "", "<none>"]);
});
