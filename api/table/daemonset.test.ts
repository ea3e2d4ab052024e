import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../object";
import { daemonSetPrinter } from "./daemonset";
import { DAY, NOW, ago } from "./testing/clock";

test("a daemon set: five counts, NODE SELECTOR, then the template", () => {
  const ds: KubeObject = {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "kube-proxy", namespace: "kube-system", creationTimestamp: ago(30 * DAY) },
    spec: {
      selector: { matchLabels: { "k8s-app": "kube-proxy" } },
      template: { spec: { nodeSelector: { "kubernetes.io/os": "linux" }, containers: [{ name: "kube-proxy", image: "registry.k8s.io/kube-proxy:v1.32.4" }] } },
    },
    status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2, numberMisscheduled: 0 },
  };
  assert.deepEqual(daemonSetPrinter.print(ds, NOW).cells, [
    "kube-proxy",
    3,
    3,
    2,
    3,
    2,
    "kubernetes.io/os=linux",
    "30d",
    "kube-proxy",
    "registry.k8s.io/kube-proxy:v1.32.4",
    "k8s-app=kube-proxy",
  ]);
  assert.deepEqual(
    daemonSetPrinter.columns.filter((c) => c.priority === 0).map((c) => c.name),
    ["Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age"],
  );
});

test("no node selector prints <none>", () => {
  const ds: KubeObject = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent" }, spec: { template: { spec: { containers: [] } } } };
  assert.equal(daemonSetPrinter.print(ds, NOW).cells[6], "<none>");
});
