import assert from "node:assert/strict";
import { test } from "node:test";
import { leasePrinter } from "./lease";
import { DAY, NOW, ago } from "./testing/clock";

test("leases: NAME HOLDER AGE, an empty holder when nobody holds it", () => {
  const lease = {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: "node1", namespace: "kube-node-lease", creationTimestamp: ago(5 * DAY) },
    spec: { holderIdentity: "node1", leaseDurationSeconds: 40, renewTime: ago(0) },
  };
  assert.deepEqual(leasePrinter.print(lease, NOW).cells, ["node1", "node1", "5d"]);
  assert.deepEqual(leasePrinter.print({ metadata: { name: "gantry-master" }, spec: {} }, NOW).cells, ["gantry-master", "", "<unknown>"]);
  assert.deepEqual(
    leasePrinter.columns.map((c) => c.name),
    ["Name", "Holder", "Age"],
  );
});
