import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultPrinter } from "./default";
import { NOW } from "./testing/clock";

test("the default table: NAME and CREATED AT as an RFC 3339 UTC time", () => {
  const obj = { metadata: { name: "limits", creationTimestamp: "2025-05-30T08:15:42+02:00" } };
  assert.deepEqual(defaultPrinter.print(obj, NOW).cells, ["limits", "2025-05-30T06:15:42Z"]);
  assert.deepEqual(defaultPrinter.print({ metadata: { name: "x" } }, NOW).cells, ["x", "0001-01-01T00:00:00Z"]);
  assert.deepEqual(
    defaultPrinter.columns.map((c) => [c.name, c.type, c.format]),
    [
      ["Name", "string", "name"],
      ["Created At", "date", ""],
    ],
  );
});
