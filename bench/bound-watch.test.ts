import assert from "node:assert/strict";
import { test } from "node:test";
import { nodeNameOf } from "./bound-watch";

test("nodeNameOf reads spec.nodeName and ignores look-alike fields", () => {
  const pending = { metadata: { name: "p" }, spec: { containers: [] }, status: { nominatedNodeName: "n9" } };
  assert.equal(nodeNameOf(Buffer.from(JSON.stringify(pending))), undefined);
  const bound = { ...pending, spec: { ...pending.spec, nodeName: "hollow-node-42" } };
  assert.equal(nodeNameOf(Buffer.from(JSON.stringify(bound))), "hollow-node-42");
});
