import assert from "node:assert/strict";
import { test } from "node:test";
import { secretPrinter } from "./secret";
import { MINUTE, NOW, ago } from "./testing/clock";

test("secrets: NAME TYPE DATA AGE, Opaque when no type is set", () => {
  const s = { apiVersion: "v1", kind: "Secret", metadata: { name: "apikey", creationTimestamp: ago(MINUTE) }, type: "Opaque", data: { k: "dg==" } };
  assert.deepEqual(secretPrinter.print(s, NOW).cells, ["apikey", "Opaque", 1, "60s"]);
  const tls = { metadata: { name: "tls" }, type: "kubernetes.io/tls", data: { "tls.crt": "", "tls.key": "" } };
  assert.deepEqual(secretPrinter.print(tls, NOW).cells.slice(1, 3), ["kubernetes.io/tls", 2]);
  assert.deepEqual(secretPrinter.print({ metadata: { name: "bare" } }, NOW).cells.slice(1, 3), ["Opaque", 0]);
  assert.deepEqual(
    secretPrinter.columns.map((c) => c.name),
    ["Name", "Type", "Data", "Age"],
  );
});
