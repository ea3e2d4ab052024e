import assert from "node:assert/strict";
import { test } from "node:test";
import { serviceAccountPrinter } from "./serviceaccount";
import { DAY, NOW, ago } from "./testing/clock";

test("service accounts: NAME SECRETS AGE", () => {
  const sa = { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", creationTimestamp: ago(2 * DAY) } };
  assert.deepEqual(serviceAccountPrinter.print(sa, NOW).cells, ["default", 0, "2d"]);
  assert.equal(serviceAccountPrinter.print({ ...sa, secrets: [{ name: "legacy-token" }] }, NOW).cells[1], 1);
  assert.deepEqual(
    serviceAccountPrinter.columns.map((c) => c.name),
    ["Name", "Secrets", "Age"],
  );
});
