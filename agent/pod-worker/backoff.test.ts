import { test } from "node:test";
import assert from "node:assert/strict";
import { inBackOffSince, inBackOffSinceUpdate, next, windowOf, type BackoffTable } from "./backoff";

const S = 1000;

test("restart back-off: 10s doubling to a 300s cap", () => {
  const table: BackoffTable = {};
  const windows: number[] = [];
  let t = 0;
  for (let i = 0; i < 8; i++) {
    // Each crash happens right when the previous window allowed a restart.
    windows.push(next(table, "c", t, t).windowMs / S);
    t += windowOf(table, "c");
  }
  assert.deepEqual(windows, [10, 20, 40, 80, 160, 300, 300, 300]);
});

test("inBackOffSince counts from the event (container finishedAt)", () => {
  const table: BackoffTable = {};
  assert.equal(inBackOffSince(table, "c", 0, 0), false, "no entry: the first restart is immediate");
  next(table, "c", 0, 0);
  assert.equal(inBackOffSince(table, "c", 5 * S, 5 * S), true);
  assert.equal(inBackOffSince(table, "c", 5 * S, 14 * S), true);
  assert.equal(inBackOffSince(table, "c", 5 * S, 15 * S), false);
});

test("a container that ran ok for more than 10 minutes starts over at 10s", () => {
  const table: BackoffTable = {};
  next(table, "c", 0, 0);
  next(table, "c", 10 * S, 10 * S);
  next(table, "c", 30 * S, 30 * S);
  assert.equal(windowOf(table, "c"), 40 * S);
  // The next crash is 10 min + 1 s after the last restart: the entry has expired.
  const crash = 30 * S + 600 * S + S;
  assert.equal(inBackOffSince(table, "c", crash, crash), false);
  assert.equal(next(table, "c", crash, crash).windowMs, 10 * S);
  // Exactly 10 minutes is not yet "more than".
  const t2: BackoffTable = {};
  next(t2, "c", 0, 0);
  next(t2, "c", 600 * S, 600 * S);
  assert.equal(windowOf(t2, "c"), 20 * S);
});

test("inBackOffSinceUpdate counts from the last retry (image pulls)", () => {
  const table: BackoffTable = {};
  assert.equal(inBackOffSinceUpdate(table, "img", 0), false);
  next(table, "img", 100 * S, 100 * S);
  assert.equal(inBackOffSinceUpdate(table, "img", 109 * S), true);
  assert.equal(inBackOffSinceUpdate(table, "img", 110 * S), false);
  next(table, "img", 110 * S, 110 * S);
  assert.equal(inBackOffSinceUpdate(table, "img", 129 * S), true);
  assert.equal(inBackOffSinceUpdate(table, "img", 130 * S), false);
});
