import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../object";
import { eventPrinter } from "./event";
import { HOUR, MINUTE, NOW, SECOND, ago } from "./testing/clock";

function event(fields: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "web-7d4b9c.17f3a2b1c0d4e5f6", namespace: "default", creationTimestamp: ago(HOUR) },
    involvedObject: { kind: "Pod", namespace: "default", name: "web-7d4b9c", fieldPath: "spec.containers{web}" },
    reason: "BackOff",
    message: "Back-off restarting failed container web in pod web-7d4b9c_default(1234)\n",
    type: "Warning",
    source: { component: "kubelet", host: "node1" },
    ...fields,
  };
}
const cells = (e: KubeObject) => eventPrinter.print(e, NOW).cells;

test("a core/v1 event with a count: every column, wide ones included", () => {
  const e = event({ firstTimestamp: ago(HOUR), lastTimestamp: ago(30 * SECOND), count: 14 });
  assert.deepEqual(cells(e), [
    "30s",
    "Warning",
    "BackOff",
    "pod/web-7d4b9c",
    "spec.containers{web}",
    "kubelet, node1",
    "Back-off restarting failed container web in pod web-7d4b9c_default(1234)",
    "60m",
    14,
    "web-7d4b9c.17f3a2b1c0d4e5f6",
  ]);
  assert.deepEqual(
    eventPrinter.columns.map((c) => `${c.name}:${c.priority}`),
    ["Last Seen:0", "Type:0", "Reason:0", "Object:0", "Subobject:1", "Source:1", "Message:0", "First Seen:1", "Count:1", "Name:1"],
  );
});

test("an events.k8s.io event: eventTime, reporting controller, no count", () => {
  const e = event({
    source: undefined,
    eventTime: "2025-06-01T11:55:00.000000Z",
    reportingComponent: "default-scheduler",
    reportingInstance: "default-scheduler-master1",
    type: "Normal",
    reason: "Scheduled",
    message: "Successfully assigned default/web-7d4b9c to node1",
    involvedObject: { kind: "Pod", name: "web-7d4b9c" },
  });
  assert.deepEqual(cells(e), [
    "5m",
    "Normal",
    "Scheduled",
    "pod/web-7d4b9c",
    "",
    "default-scheduler, default-scheduler-master1",
    "Successfully assigned default/web-7d4b9c to node1",
    "5m",
    1,
    "web-7d4b9c.17f3a2b1c0d4e5f6",
  ]);
});

test("a series overrides the last-seen time and the count", () => {
  const e = event({ eventTime: ago(20 * MINUTE), series: { count: 7, lastObservedTime: ago(2 * MINUTE) } });
  const c = cells(e);
  assert.deepEqual([c[0], c[7], c[8]], ["2m", "20m", 7]);
});

test("an event about an unnamed object, with no times at all", () => {
  const e = event({ involvedObject: { kind: "Node" }, source: { component: "kubelet" } });
  const c = cells(e);
  assert.deepEqual([c[0], c[3], c[5], c[7]], ["<unknown>", "node", "kubelet", "<unknown>"]);
});
