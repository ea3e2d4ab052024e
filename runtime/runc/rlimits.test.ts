import { test } from "node:test";
import assert from "node:assert/strict";
import { hasCapability, parseNofileHard } from "./rlimits";

test("parseNofileHard reads the hard column of /proc/self/limits", () => {
  const limits = "Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 20000                files\n";
  assert.equal(parseNofileHard(limits), 20000);
  assert.equal(parseNofileHard("Max open files            unlimited            unlimited            files\n"), Infinity);
  assert.equal(parseNofileHard("nothing"), undefined);
});

test("hasCapability reads CapEff bits", () => {
  assert.equal(hasCapability("CapEff:\t000001fffeffffff\n", 24), false);
  assert.equal(hasCapability("CapEff:\t000001fffeffffff\n", 21), true);
  assert.equal(hasCapability("CapEff:\t000001ffffffffff\n", 24), true);
  assert.equal(hasCapability("", 0), false);
});
