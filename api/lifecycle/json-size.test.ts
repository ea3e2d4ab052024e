import assert from "node:assert/strict";
import { test } from "node:test";
import { jsonSize, jsonStringSize } from "./json-size";

const exact = (v: unknown) => Buffer.byteLength(JSON.stringify(v), "utf8");

test("the count equals the UTF-8 length of JSON.stringify, escapes and surrogates included", () => {
  const samples: unknown[] = [
    null, true, false, 0, -1.5e-7, 12345678901234, Number.NaN, "", "plain", 'quote " back \\ slash', "\n\t\b\f\r\u0001\u001f",
    "é ü ß", "€ ✓ 日本", "😀 pair", "lone \ud800 high", "lone \udc00 low", "\u2028\u2029",
    [], {}, [1, "a", null, [2, [3]], { b: {} }], { "k\"ey": [undefined, 1], skipped: undefined, nested: { a: [{}, []] } },
  ];
  for (const v of samples) assert.equal(jsonSize(v), exact(v), JSON.stringify(v));
  for (const s of samples.filter((v): v is string => typeof v === "string")) assert.equal(jsonStringSize(s), exact(s), s);
});

test("counting stops soon after the budget", () => {
  const big = { data: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, "v".repeat(100)])) };
  assert.equal(jsonSize(big), exact(big));
  const partial = jsonSize(big, 1000);
  assert.ok(partial > 1000 && partial < 1200, String(partial));
});

test("no recursion: a value 100,000 levels deep is measured", () => {
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assert.equal(jsonSize(deep), 200_001);
});
