import { test } from "node:test";
import assert from "node:assert/strict";
import { formatInZone, parseCronSchedule, scheduleWindow } from "./cron-schedule";

const at = (iso: string) => new Date(iso);
const nextUtc = (schedule: string, after: string) => parseCronSchedule(schedule, "UTC").next(at(after))?.toISOString();

test("steps, ranges and lists pick the next matching minute", () => {
  assert.equal(nextUtc("*/15 * * * *", "2024-03-01T10:07:00Z"), "2024-03-01T10:15:00.000Z");
  assert.equal(nextUtc("*/15 * * * *", "2024-03-01T10:15:00Z"), "2024-03-01T10:30:00.000Z", "strictly after");
  assert.equal(nextUtc("5,35 * * * *", "2024-03-01T10:36:10Z"), "2024-03-01T11:05:00.000Z");
  assert.equal(nextUtc("10-12/2 3 * * *", "2024-03-01T03:10:00Z"), "2024-03-01T03:12:00.000Z");
  assert.equal(nextUtc("7/20 * * * *", "2024-03-01T10:28:00Z"), "2024-03-01T10:47:00.000Z", "N/step means N-max/step");
  assert.equal(nextUtc("* * * * *", "2024-12-31T23:59:30Z"), "2025-01-01T00:00:00.000Z");
});

test("weekday ranges and names roll over weekends and months", () => {
  // 2024-03-01 is a Friday.
  assert.equal(nextUtc("0 9 * * 1-5", "2024-03-01T10:00:00Z"), "2024-03-04T09:00:00.000Z");
  assert.equal(nextUtc("0 9 * * MON-FRI", "2024-03-01T08:00:00Z"), "2024-03-01T09:00:00.000Z");
  assert.equal(nextUtc("0 0 1 jan *", "2024-03-01T00:00:00Z"), "2025-01-01T00:00:00.000Z");
});

test("day-of-month and day-of-week: either matches when both are restricted, both when one is *", () => {
  // 2024-09-01 is a Sunday; the next Friday is the 6th, the 13th comes later.
  assert.equal(nextUtc("0 0 13 * 5", "2024-09-01T00:00:00Z"), "2024-09-06T00:00:00.000Z");
  assert.equal(nextUtc("0 0 13 * *", "2024-09-01T00:00:00Z"), "2024-09-13T00:00:00.000Z");
  assert.equal(nextUtc("0 0 * * 5", "2024-09-01T00:00:00Z"), "2024-09-06T00:00:00.000Z");
  assert.equal(nextUtc("0 0 13 * */2", "2024-09-01T00:00:00Z"), "2024-09-03T00:00:00.000Z", "a stepped * is a restriction");
});

test("descriptors, leap days and impossible dates", () => {
  assert.equal(nextUtc("@hourly", "2024-03-01T10:30:00Z"), "2024-03-01T11:00:00.000Z");
  assert.equal(nextUtc("@daily", "2024-03-01T10:30:00Z"), "2024-03-02T00:00:00.000Z");
  assert.equal(nextUtc("@weekly", "2024-03-01T10:30:00Z"), "2024-03-03T00:00:00.000Z");
  assert.equal(nextUtc("@monthly", "2024-03-01T10:30:00Z"), "2024-04-01T00:00:00.000Z");
  assert.equal(nextUtc("@yearly", "2024-03-01T10:30:00Z"), "2025-01-01T00:00:00.000Z");
  assert.equal(nextUtc("0 0 29 2 *", "2025-01-01T00:00:00Z"), "2028-02-29T00:00:00.000Z");
  assert.equal(nextUtc("0 0 30 2 *", "2025-01-01T00:00:00Z"), undefined);
});

test("@every fires a whole number of seconds after the previous time", () => {
  assert.equal(nextUtc("@every 90s", "2024-03-01T10:00:00.500Z"), "2024-03-01T10:01:30.000Z");
  assert.equal(nextUtc("@every 1h30m", "2024-03-01T10:00:00Z"), "2024-03-01T11:30:00.000Z");
  assert.equal(nextUtc("@every 10ms", "2024-03-01T10:00:00Z"), "2024-03-01T10:00:01.000Z", "at least a second");
});

test("wall-clock times in a time zone, across daylight saving changes", () => {
  const paris = parseCronSchedule("0 9 * * *", "Europe/Paris");
  assert.equal(paris.next(at("2024-01-15T00:00:00Z"))?.toISOString(), "2024-01-15T08:00:00.000Z");
  assert.equal(paris.next(at("2024-07-15T00:00:00Z"))?.toISOString(), "2024-07-15T07:00:00.000Z");
  // 2024-03-31: 02:00 → 03:00 in Paris; 02:30 does not exist and runs as 03:30 CEST.
  assert.equal(parseCronSchedule("30 2 * * *", "Europe/Paris").next(at("2024-03-31T00:00:00Z"))?.toISOString(), "2024-03-31T01:30:00.000Z");
  // 2024-10-27: 03:00 → 02:00; 02:30 happens twice and runs once, at the first.
  const fallBack = parseCronSchedule("30 2 * * *", "Europe/Paris");
  assert.equal(fallBack.next(at("2024-10-27T00:00:00Z"))?.toISOString(), "2024-10-27T00:30:00.000Z");
  assert.equal(fallBack.next(at("2024-10-27T00:30:00Z"))?.toISOString(), "2024-10-28T01:30:00.000Z");
  assert.equal(parseCronSchedule("TZ=America/New_York 0 12 * * *").next(at("2024-01-15T00:00:00Z"))?.toISOString(), "2024-01-15T17:00:00.000Z");
});

test("schedules validation refuses are refused here too, with the parser's message", () => {
  assert.throws(() => parseCronSchedule("* * * *", "UTC"), /expected exactly 5 fields, found 4/);
  assert.throws(() => parseCronSchedule("61 * * * *", "UTC"), /above maximum/);
  assert.throws(() => parseCronSchedule("* * * * *", "Mars/Olympus"), /unknown time zone/);
});

test("the window of due times: count, most recent and next", () => {
  const everyMinute = parseCronSchedule("* * * * *", "UTC");
  const w = scheduleWindow(everyMinute, at("2024-03-01T10:00:00Z"), at("2024-03-01T10:05:30Z"));
  assert.equal(w.missed, 5);
  assert.equal(w.mostRecent?.toISOString(), "2024-03-01T10:05:00.000Z");
  assert.equal(w.next?.toISOString(), "2024-03-01T10:06:00.000Z");
  const none = scheduleWindow(everyMinute, at("2024-03-01T10:05:00Z"), at("2024-03-01T10:05:59Z"));
  assert.equal(none.mostRecent, undefined);
  assert.equal(none.missed, 0);
  assert.equal(scheduleWindow(everyMinute, at("2024-03-01T10:07:00Z"), at("2024-03-01T10:05:00Z")).mostRecent, undefined, "earliest in the future");
});

test("years of missed runs: the count stops past the cap, the most recent time is still exact", () => {
  const started = performance.now();
  const w = scheduleWindow(parseCronSchedule("*/5 * * * *", "UTC"), at("2020-01-01T00:00:00Z"), at("2024-06-01T12:34:56Z"));
  assert.equal(w.missed, 101);
  assert.equal(w.mostRecent?.toISOString(), "2024-06-01T12:30:00.000Z");
  assert.equal(w.next?.toISOString(), "2024-06-01T12:35:00.000Z");
  const yearly = scheduleWindow(parseCronSchedule("0 0 1 1 *", "UTC"), at("1900-01-01T00:00:00Z"), at("2024-06-01T00:00:00Z"));
  assert.equal(yearly.mostRecent?.toISOString(), "2024-01-01T00:00:00.000Z");
  assert.ok(performance.now() - started < 2000, "bounded work");
});

test("scheduled timestamps are written in the schedule's zone", () => {
  assert.equal(formatInZone(at("2024-01-15T08:00:00.250Z"), "Europe/Paris"), "2024-01-15T09:00:00+01:00");
  assert.equal(formatInZone(at("2024-01-15T08:00:00Z"), "UTC"), "2024-01-15T08:00:00Z");
  assert.equal(formatInZone(at("2024-01-15T17:00:00Z"), "America/New_York"), "2024-01-15T12:00:00-05:00");
  assert.equal(formatInZone(at("2024-01-15T17:00:00Z"), "Asia/Kolkata"), "2024-01-15T22:30:00+05:30");
});
