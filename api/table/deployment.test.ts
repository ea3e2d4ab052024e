import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../object";
import { deploymentPrinter } from "./deployment";
import { DAY, HOUR, NOW, ago } from "./testing/clock";

function deployment(spec: Record<string, unknown>, status: Record<string, unknown>): KubeObject {
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", creationTimestamp: ago(3 * DAY + 4 * HOUR) }, spec, status };
}
const template = {
  metadata: { labels: { app: "web" } },
  spec: {
    containers: [
      { name: "web", image: "nginx:1.27" },
      { name: "log", image: "busybox:1.36" },
    ],
  },
};

test("a deployment mid-rollout: READY ready/desired, UP-TO-DATE and AVAILABLE as numbers", () => {
  const d = deployment(
    { replicas: 3, selector: { matchLabels: { app: "web" } }, template },
    { replicas: 4, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 },
  );
  assert.deepEqual(deploymentPrinter.print(d, NOW).cells, ["web", "3/3", 2, 3, "3d4h", "web,log", "nginx:1.27,busybox:1.36", "app=web"]);
  assert.deepEqual(
    deploymentPrinter.columns.map((c) => [c.name, c.type, c.priority]),
    [
      ["Name", "string", 0],
      ["Ready", "string", 0],
      ["Up-to-date", "string", 0],
      ["Available", "string", 0],
      ["Age", "string", 0],
      ["Containers", "string", 1],
      ["Images", "string", 1],
      ["Selector", "string", 1],
    ],
  );
});

test("a new deployment without status defaults to one replica, none ready", () => {
  const d = deployment({ selector: { matchExpressions: [{ key: "app", operator: "In", values: ["web", "api"] }] }, template }, {});
  assert.deepEqual(deploymentPrinter.print(d, NOW).cells.slice(1, 4), ["0/1", 0, 0]);
  assert.equal(deploymentPrinter.print(d, NOW).cells[7], "app in (api,web)");
});

test("a scaled-to-zero deployment and a malformed selector", () => {
  const d = deployment({ replicas: 0, selector: { matchExpressions: [{ key: "app", operator: "Like" }] }, template }, {});
  const cells = deploymentPrinter.print(d, NOW).cells;
  assert.equal(cells[1], "0/0");
  assert.equal(cells[7], "<invalid>");
});
