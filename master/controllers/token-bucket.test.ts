import assert from "node:assert/strict";
import { test } from "node:test";
import { TokenBucket } from "./token-bucket";

test("a burst is allowed, then tokens come back at the rate", () => {
  let now = 0;
  const b = new TokenBucket(10, 3, () => now);
  assert.deepEqual([b.take(), b.take(), b.take(), b.take()], [true, true, true, false]);
  now += 100; // one token per 100 ms
  assert.deepEqual([b.take(), b.take()], [true, false]);
  now += 10_000;
  assert.deepEqual([b.take(), b.take(), b.take(), b.take()], [true, true, true, false], "never more than the burst saved up");
});
