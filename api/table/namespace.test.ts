import assert from "node:assert/strict";
import { test } from "node:test";
import { namespacePrinter } from "./namespace";
import { DAY, NOW, ago } from "./testing/clock";

test("namespaces: NAME STATUS AGE, Active by default, Terminating while deleted", () => {
  assert.deepEqual(
    namespacePrinter.print({ apiVersion: "v1", kind: "Namespace", metadata: { name: "default", creationTimestamp: ago(3 * DAY) }, status: { phase: "Active" } }, NOW).cells,
    ["default", "Active", "3d"],
  );
  assert.equal(namespacePrinter.print({ metadata: { name: "blue" }, status: { phase: "Terminating" } }, NOW).cells[1], "Terminating");
  assert.equal(namespacePrinter.print({ metadata: { name: "new" } }, NOW).cells[1], "Active");
  assert.deepEqual(
    namespacePrinter.columns.map((c) => c.name),
    ["Name", "Status", "Age"],
  );
});
