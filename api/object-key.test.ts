import assert from "node:assert/strict";
import { test } from "node:test";
import { namespacedKey, objectKey, splitObjectKey } from "./object-key";

test("namespaced objects are keyed namespace/name, cluster-scoped ones by name, and keys split back", () => {
  assert.equal(objectKey({ metadata: { namespace: "default", name: "web" } }), "default/web");
  assert.equal(objectKey({ metadata: { name: "node-a" } }), "node-a");
  assert.equal(namespacedKey(undefined, "node-a"), "node-a");
  assert.equal(namespacedKey("", "node-a"), "node-a");
  assert.deepEqual(splitObjectKey("default/web"), { namespace: "default", name: "web" });
  assert.deepEqual(splitObjectKey("node-a"), { name: "node-a" });
});
