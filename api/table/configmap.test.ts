import assert from "node:assert/strict";
import { test } from "node:test";
import { configMapPrinter } from "./configmap";
import { NOW, SECOND, ago } from "./testing/clock";

test("config maps count data and binaryData keys", () => {
  const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", creationTimestamp: ago(8 * SECOND) }, data: { a: "b", c: "d" }, binaryData: { logo: "iVBORw0=" } };
  assert.deepEqual(configMapPrinter.print(cm, NOW).cells, ["cfg", 3, "8s"]);
  assert.deepEqual(configMapPrinter.print({ metadata: { name: "empty" } }, NOW).cells, ["empty", 0, "<unknown>"]);
  assert.deepEqual(
    configMapPrinter.columns.map((c) => c.name),
    ["Name", "Data", "Age"],
  );
});
