// When a CronJob's schedule fires. api/validation/cron-schedule.ts decides whether a schedule
// parses (and words the error as Kubernetes does); this file turns a valid one into fire times.
//
// Semantics are robfig/cron's standard parser, which Kubernetes uses: five fields (minute hour
// day-of-month month day-of-week), `*`/`?`, ranges, steps, lists, names, the @yearly…@hourly
// descriptors and `@every <duration>`. When both day fields are restricted a day matches either
// (classic cron); when one is `*` both must match. Times are wall-clock times in the schedule's
// time zone (spec.timeZone, a TZ=/CRON_TZ= prefix, else the master's own zone). A wall time that
// does not exist (a spring-forward gap) fires at the same offset after the gap, as Go's
// time.Date normalizes it; a repeated wall time (fall back) fires once, at its first instant.
//
// Pure: every function takes the times it reasons about; nothing reads the clock.

import { cronScheduleError, isValidTimeZone } from "../../api/validation/cron-schedule";

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Give up looking for a next time this many years ahead (`0 0 30 2 *` never fires). */
const SEARCH_YEARS = 5;

export interface CronSchedule {
  /** The first fire time strictly after `after`, or undefined if there is none in sight. */
  next(after: Date): Date | undefined;
  /** The IANA zone wall times are read in. */
  readonly timeZone: string;
}

interface Field {
  min: number;
  max: number;
  names?: Readonly<Record<string, number>>;
}

const MONTH_NAMES = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DOW_NAMES = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const FIELDS: readonly Field[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTH_NAMES },
  { min: 0, max: 6, names: DOW_NAMES },
];
const DESCRIPTORS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** The values one field allows, and whether it was written as a bare `*`/`?` (robfig's star bit). */
interface FieldSet {
  allowed: boolean[];
  star: boolean;
}

function value(expr: string, f: Field): number {
  return f.names?.[expr.toLowerCase()] ?? Number(expr);
}

function expandField(text: string, f: Field): FieldSet {
  const allowed = new Array<boolean>(f.max + 1).fill(false);
  let star = false;
  for (const expr of text.split(",").filter((e) => e.length > 0)) {
    const [range, stepText] = expr.split("/");
    const bounds = range.split("-");
    let start: number;
    let end: number;
    const wildcard = bounds[0] === "*" || bounds[0] === "?";
    if (wildcard) {
      start = f.min;
      end = f.max;
    } else {
      start = value(bounds[0], f);
      end = bounds.length === 2 ? value(bounds[1], f) : start;
    }
    const step = stepText === undefined ? 1 : Number(stepText);
    if (stepText !== undefined && bounds.length === 1) end = f.max;
    if (wildcard && step === 1) star = true;
    for (let v = start; v <= end; v += step) allowed[v] = true;
  }
  return { allowed, star };
}

/** Go's time.ParseDuration, in milliseconds (the schedule was validated already). */
function durationMs(text: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1000, m: MINUTE, h: 3_600_000 };
  const sign = text.startsWith("-") ? -1 : 1;
  let rest = text.replace(/^[+-]/, "");
  if (rest === "0") return 0;
  let total = 0;
  while (rest.length > 0) {
    const m = /^(\d*(?:\.\d*)?)([^\d.]*)/.exec(rest)!;
    total += Number(m[1]) * units[m[2]];
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

// ---- time zones -------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Wall clock minus UTC at `instant`, in ms (e.g. +3600000 for Europe/Paris in winter). */
export function zoneOffsetMs(instant: number, tz: string): number {
  if (tz === "UTC" || tz === "Etc/UTC") return 0;
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(instant))) if (p.type !== "literal") parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - (instant - (((instant % 1000) + 1000) % 1000));
}

/** Wall-clock time (as a UTC-based ms count) of an instant in `tz`. */
function toWall(instant: number, tz: string): number {
  return instant + zoneOffsetMs(instant, tz);
}

/**
 * The instants showing wall time `wall` in `tz`, earliest first: one normally, two in a
 * fall-back overlap, and for a spring-forward gap the instant Go's time.Date picks.
 */
function fromWall(wall: number, tz: string): number[] {
  const offsets = new Set([zoneOffsetMs(wall - DAY, tz), zoneOffsetMs(wall, tz), zoneOffsetMs(wall + DAY, tz)]);
  const hits = [...offsets].map((o) => wall - o).filter((i) => toWall(i, tz) === wall);
  if (hits.length > 0) return hits.sort((a, b) => a - b);
  // In a gap: read the wall time with the offset in force before the transition.
  return [wall - zoneOffsetMs(wall - DAY, tz)];
}

/** The zone the master runs in, for schedules without one (Kubernetes uses the controller's). */
export function localTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

// ---- schedules --------------------------------------------------------------------------

class FieldSchedule implements CronSchedule {
  private readonly minute: FieldSet;
  private readonly hour: FieldSet;
  private readonly dom: FieldSet;
  private readonly month: FieldSet;
  private readonly dow: FieldSet;

  constructor(
    fields: string[],
    readonly timeZone: string,
  ) {
    [this.minute, this.hour, this.dom, this.month, this.dow] = fields.map((text, i) => expandField(text, FIELDS[i]));
  }

  private dayMatches(d: Date): boolean {
    const domMatch = this.dom.allowed[d.getUTCDate()];
    const dowMatch = this.dow.allowed[d.getUTCDay()];
    return this.dom.star || this.dow.star ? domMatch && dowMatch : domMatch || dowMatch;
  }

  /** The first matching wall time strictly after `wall` (both UTC-based ms counts). */
  private nextWall(wall: number): number | undefined {
    const t = new Date(Math.floor(wall / MINUTE) * MINUTE + MINUTE);
    const limit = t.getUTCFullYear() + SEARCH_YEARS;
    for (;;) {
      if (t.getUTCFullYear() > limit) return undefined;
      if (!this.month.allowed[t.getUTCMonth() + 1]) {
        t.setUTCMonth(t.getUTCMonth() + 1, 1);
        t.setUTCHours(0, 0, 0, 0);
        continue;
      }
      if (!this.dayMatches(t)) {
        t.setUTCDate(t.getUTCDate() + 1);
        t.setUTCHours(0, 0, 0, 0);
        continue;
      }
      if (!this.hour.allowed[t.getUTCHours()]) {
        t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
        continue;
      }
      if (!this.minute.allowed[t.getUTCMinutes()]) {
        t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
        continue;
      }
      return t.getTime();
    }
  }

  next(after: Date): Date | undefined {
    const from = after.getTime();
    let wall = toWall(from, this.timeZone);
    // Each wall time maps to at most two instants; a handful of steps always suffices.
    for (let i = 0; i < 4; i++) {
      const w = this.nextWall(wall);
      if (w === undefined) return undefined;
      const instant = fromWall(w, this.timeZone).find((x) => x > from);
      if (instant !== undefined) return new Date(instant);
      wall = w;
    }
    return undefined;
  }
}

class EverySchedule implements CronSchedule {
  constructor(
    private readonly delayMs: number,
    readonly timeZone: string,
  ) {}

  next(after: Date): Date {
    // robfig: the delay is at least a second, and fire times land on whole seconds.
    const t = after.getTime();
    return new Date(t - (((t % 1000) + 1000) % 1000) + this.delayMs);
  }
}

/**
 * Parses a schedule as the CronJob controller reads it. `timeZone` is spec.timeZone; a TZ=
 * prefix in the schedule wins over the local zone. Throws an Error with the parser's message
 * for schedules validation would refuse, and for unknown zones.
 */
export function parseCronSchedule(schedule: string, timeZone?: string): CronSchedule {
  const problem = cronScheduleError(schedule);
  if (problem !== undefined) throw new Error(problem);
  let spec = schedule;
  let tz = timeZone ?? localTimeZone();
  if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
    const space = spec.indexOf(" ");
    tz = spec.slice(spec.indexOf("=") + 1, space < 0 ? spec.length : space);
    spec = space < 0 ? "" : spec.slice(space).trim();
  }
  if (tz === "Local") tz = localTimeZone();
  if (!isValidTimeZone(tz)) throw new Error(`unknown time zone ${tz}`);
  if (spec.startsWith("@every ")) {
    // robfig: whole seconds, at least one.
    const ms = durationMs(spec.slice("@every ".length).trim());
    return new EverySchedule(ms < 1000 ? 1000 : ms - (ms % 1000), tz);
  }
  const expanded = DESCRIPTORS[spec] ?? spec;
  return new FieldSchedule(expanded.split(/\s+/).filter((f) => f.length > 0), tz);
}

export interface ScheduleWindow {
  /** The latest fire time in (earliest, now], if any. */
  mostRecent?: Date;
  /** How many fire times fell in (earliest, now]; capped once it passes `cap`. */
  missed: number;
  /** The first fire time after now. */
  next?: Date;
}

/**
 * The fire times between the last one acted on (`earliest`, exclusive) and `now` (inclusive).
 * Counting stops past `cap` (Kubernetes warns about more than 100 missed runs), but the most
 * recent time is still found, by searching back from now in growing windows, so a CronJob left
 * alone for a year costs no more than one created a minute ago.
 */
export function scheduleWindow(schedule: CronSchedule, earliest: Date, now: Date, cap = 100): ScheduleWindow {
  const next = schedule.next(now);
  if (earliest.getTime() >= now.getTime()) return { missed: 0, next };
  let missed = 0;
  let last: Date | undefined;
  for (let t = schedule.next(earliest); t && t.getTime() <= now.getTime(); t = schedule.next(t)) {
    last = t;
    if (++missed > cap) break;
  }
  if (missed <= cap) return { mostRecent: last, missed, next };
  for (const span of [3_600_000, DAY, 32 * DAY, 367 * DAY, 5 * 367 * DAY]) {
    const from = new Date(Math.max(earliest.getTime(), now.getTime() - span));
    let recent: Date | undefined;
    for (let t = schedule.next(from); t && t.getTime() <= now.getTime(); t = schedule.next(t)) recent = t;
    if (recent) return { mostRecent: recent, missed, next };
  }
  return { mostRecent: last, missed, next };
}

/** RFC 3339 with the zone's offset, whole seconds: Go's t.In(zone).Format(time.RFC3339). */
export function formatInZone(instant: Date, tz: string): string {
  const ms = instant.getTime() - (((instant.getTime() % 1000) + 1000) % 1000);
  const offset = zoneOffsetMs(ms, tz);
  const wall = new Date(ms + offset).toISOString().slice(0, 19);
  if (offset === 0) return `${wall}Z`;
  const abs = Math.abs(offset) / 60_000;
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${wall}${offset < 0 ? "-" : "+"}${hh}:${mm}`;
}
