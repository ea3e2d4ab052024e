import { test } from "node:test";
import assert from "node:assert/strict";
import { expand } from "./expand";

const vars = new Map([["A", "alpha"], ["EMPTY", ""]]);
const look = (n: string) => vars.get(n);

const cases: Array<[string, string]> = [
  ["$(A)", "alpha"],
  ["x-$(A)-y", "x-alpha-y"],
  ["$(MISSING)", "$(MISSING)"],
  ["$$(A)", "$(A)"],
  ["$$", "$"],
  ["$(EMPTY)!", "!"],
  ["$(A", "$(A"],
  ["$A", "$A"],
  ["trailing $", "trailing $"],
  ["$(A)$(A)", "alphaalpha"],
  ["$$$(A)", "$alpha"],
];
for (const [input, want] of cases) {
  test(`expand ${JSON.stringify(input)} -> ${JSON.stringify(want)}`, () => assert.equal(expand(input, look), want));
}
