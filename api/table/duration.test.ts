import assert from "node:assert/strict";
import { test } from "node:test";
import { humanDuration, shortHumanDuration } from "./duration";
import { DAY, HOUR, MINUTE, SECOND } from "./testing/clock";

const YEAR = 365 * DAY;

test("humanDuration gives about two significant figures, like apimachinery's HumanDuration", () => {
  const cases: [number, string][] = [
    [-2 * SECOND, "<invalid>"],
    [-1999, "0s"], // up to ~2s of clock skew reads as now
    [-1 * SECOND, "0s"],
    [0, "0s"],
    [999, "0s"],
    [5 * SECOND, "5s"],
    [119 * SECOND, "119s"],
    [2 * MINUTE, "2m"],
    [3 * MINUTE + 20 * SECOND, "3m20s"],
    [9 * MINUTE + 59 * SECOND, "9m59s"],
    [10 * MINUTE + 30 * SECOND, "10m"],
    [179 * MINUTE, "179m"],
    [3 * HOUR, "3h"],
    [3 * HOUR + 5 * MINUTE, "3h5m"],
    [7 * HOUR + 59 * MINUTE, "7h59m"],
    [8 * HOUR + 30 * MINUTE, "8h"],
    [47 * HOUR, "47h"],
    [48 * HOUR, "2d"],
    [3 * DAY + 4 * HOUR, "3d4h"],
    [7 * DAY + 23 * HOUR, "7d23h"],
    [8 * DAY + 5 * HOUR, "8d"],
    [729 * DAY, "729d"],
    [2 * YEAR, "2y"],
    [2 * YEAR + 30 * DAY, "2y30d"],
    [7 * YEAR + 364 * DAY, "7y364d"],
    [8 * YEAR + 100 * DAY, "8y"],
    [20 * YEAR, "20y"],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `humanDuration(${ms})`);
});

test("shortHumanDuration keeps one unit", () => {
  const cases: [number, string][] = [
    [-2 * SECOND, "<invalid>"],
    [-1 * SECOND, "0s"],
    [59 * SECOND, "59s"],
    [60 * SECOND, "1m"],
    [59 * MINUTE + 59 * SECOND, "59m"],
    [HOUR, "1h"],
    [23 * HOUR + 59 * MINUTE, "23h"],
    [DAY, "1d"],
    [3 * DAY + 4 * HOUR, "3d"],
    [364 * DAY, "364d"],
    [YEAR, "1y"],
    [2 * YEAR + 200 * DAY, "2y"],
  ];
  for (const [ms, want] of cases) assert.equal(shortHumanDuration(ms), want, `shortHumanDuration(${ms})`);
});

test("two hours reads 120m: minutes stay the unit up to three hours", () => {
  assert.equal(humanDuration(2 * HOUR), "120m");
});
