// What client-go's event correlator (tools/record/events_cache.go) decides before an Event is
// written, as pure logic over an injected clock; EventRecorder (events.ts) does the writing.
//
// For each recorded event, in client-go's order:
//   1. Aggregate: events that are *similar* (the same aggregate key: by default the same source,
//      object, type and reason) but differ in message are counted per key; once `maxEvents`
//      (10) distinct messages were seen with no gap longer than `maxIntervalMs` (10 minutes),
//      every further one becomes one aggregate Event, "(combined from similar events): <latest
//      message>", whose count goes up instead of adding Events.
//   2. Observe: each series (an exact event, or an aggregate) remembers its name, first time and
//      count; a repeat continues the series with count + 1.
//   3. Spam filter: a token bucket per source and object (and type): 25 records at once, then one
//      per 5 minutes. A filtered record is not written, but was counted in step 2, so the next
//      write of its series carries the true count — as in client-go.
//
// Gantry's addition: the aggregate key is pluggable (client-go's CorrelatorOptions.KeyFunc is
// too). `AGGREGATE_ACROSS_OBJECTS` leaves the object's name and uid out, so one component's
// similar events about many objects of a kind — the scheduler's `Scheduled` for every pod of a
// burst — aggregate too. client-go's default (`AGGREGATE_BY_REASON`) keys by object.

import { eventNameSuffix } from "../../api/event-names";
import { TokenBucket } from "./token-bucket";

export type EventType = "Normal" | "Warning";

/** The object an event is about, as an Event's involvedObject carries it. */
export interface InvolvedObject {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

/** One event as a component reports it. */
export interface EventRecord {
  /** `source.component`, e.g. "default-scheduler". */
  component: string;
  involved: InvolvedObject;
  type: EventType;
  reason: string;
  message: string;
}

/** The state of the Event object a record lands in, after the record is counted. */
export interface SeriesState {
  /** Identifies the series (an exact event, or an aggregate); one Event object per series. */
  key: string;
  name: string;
  namespace: string;
  /** The record as written: for an aggregate, the aggregate message and the latest object. */
  record: EventRecord;
  count: number;
  /** Milliseconds since the epoch. */
  firstTimestamp: number;
  lastTimestamp: number;
  aggregate: boolean;
}

export interface Correlation {
  /** Filtered as spam: not to be written now (the series counted it all the same). */
  skip: boolean;
  series: SeriesState;
}

/** Which events aggregate together (`aggregateKey`) and what tells them apart (`localKey`). */
export type AggregateKeyFunc = (record: EventRecord) => { aggregateKey: string; localKey: string };

export interface CorrelatorOptions {
  /** Milliseconds since the epoch. */
  now: () => number;
  aggregateKey: AggregateKeyFunc;
  /** Distinct similar events before they aggregate (client-go: 10). */
  maxEvents: number;
  /** A gap longer than this between similar events starts the count again (client-go: 10 minutes). */
  maxIntervalMs: number;
  /** Records per source and object at once (client-go: 25) ... */
  spamBurst: number;
  /** ... and refilled at this rate (client-go: one per 300 s). */
  spamPerSecond: number;
  /** Entries each cache keeps (client-go: 4096). */
  cacheSize: number;
}

const join = (parts: (string | undefined)[]) => parts.map((p) => p ?? "").join("\u0000");

/** client-go's EventAggregatorByReasonFunc: similar = same source, object, type and reason. */
export const AGGREGATE_BY_REASON: AggregateKeyFunc = (r) => ({
  aggregateKey: join([r.component, r.involved.kind, r.involved.namespace, r.involved.name, r.involved.uid, r.involved.apiVersion, r.type, r.reason]),
  localKey: r.message,
});

/** Similar = same source, kind, namespace, type and reason, whichever object (see the top). */
export const AGGREGATE_ACROSS_OBJECTS: AggregateKeyFunc = (r) => ({
  aggregateKey: join([r.component, r.involved.kind, r.involved.namespace, r.involved.apiVersion, r.type, r.reason]),
  localKey: r.message,
});

export const DEFAULT_CORRELATOR_OPTIONS: Readonly<Omit<CorrelatorOptions, "now">> = Object.freeze({
  aggregateKey: AGGREGATE_BY_REASON,
  maxEvents: 10,
  maxIntervalMs: 10 * 60_000,
  spamBurst: 25,
  spamPerSecond: 1 / 300,
  cacheSize: 4096,
});

export const AGGREGATE_MESSAGE_PREFIX = "(combined from similar events): ";

/** A series' identity: everything but the count and times (client-go's getEventKey). */
function eventKey(r: EventRecord): string {
  const o = r.involved;
  return join(["event", r.component, o.kind, o.namespace, o.name, o.fieldPath, o.uid, o.apiVersion, r.type, r.reason, r.message]);
}

/** Whose records share a spam budget (client-go's getSpamKey). */
function spamKey(r: EventRecord): string {
  const o = r.involved;
  return join([r.component, o.kind, o.namespace, o.name, o.uid, o.apiVersion, r.type]);
}

/** A Map that forgets its least recently used entry beyond `size`. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly size: number) {}

  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) this.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.size) this.map.delete(this.map.keys().next().value!);
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}

interface SimilarEvents {
  /** Distinct messages seen, at most maxEvents - 1 once aggregating. */
  localKeys: Set<string>;
  last: number;
}

interface SeriesLog {
  name: string;
  count: number;
  firstTimestamp: number;
}

export class EventCorrelator {
  private readonly o: CorrelatorOptions;
  private readonly similar: Lru<SimilarEvents>;
  private readonly series: Lru<SeriesLog>;
  private readonly spam: Lru<TokenBucket>;

  constructor(options: Partial<CorrelatorOptions> & Pick<CorrelatorOptions, "now">) {
    this.o = { ...DEFAULT_CORRELATOR_OPTIONS, ...options };
    this.similar = new Lru(this.o.cacheSize);
    this.series = new Lru(this.o.cacheSize);
    this.spam = new Lru(this.o.cacheSize);
  }

  /** Counts `record` and says which Event it lands in, and whether to skip writing it now. */
  correlate(record: EventRecord): Correlation {
    const now = this.o.now();
    const { key, written, aggregate } = this.aggregate(record, now);
    const series = this.observe(key, written, aggregate, now);
    return { skip: this.spamFiltered(written), series };
  }

  /**
   * Starts `series` again as a new Event (count 1, a new name): its Event was deleted since it was
   * written (expired, or by hand), so the count it had is gone with it.
   */
  restart(series: SeriesState): SeriesState {
    const now = this.o.now();
    const log: SeriesLog = { name: newName(series.record, now), count: 1, firstTimestamp: now };
    this.series.set(series.key, log);
    return { ...series, name: log.name, count: 1, firstTimestamp: now, lastTimestamp: now };
  }

  private aggregate(record: EventRecord, now: number): { key: string; written: EventRecord; aggregate: boolean } {
    const { aggregateKey, localKey } = this.o.aggregateKey(record);
    let similar = this.similar.get(aggregateKey);
    if (similar === undefined || now - similar.last > this.o.maxIntervalMs) similar = { localKeys: new Set(), last: now };
    similar.localKeys.add(localKey);
    similar.last = now;
    this.similar.set(aggregateKey, similar);
    if (similar.localKeys.size < this.o.maxEvents) return { key: eventKey(record), written: record, aggregate: false };
    // Keep the set one short of the threshold, so every further distinct message aggregates.
    similar.localKeys.delete(similar.localKeys.values().next().value!);
    return { key: join(["aggregate", aggregateKey]), written: { ...record, message: AGGREGATE_MESSAGE_PREFIX + record.message }, aggregate: true };
  }

  private observe(key: string, record: EventRecord, aggregate: boolean, now: number): SeriesState {
    const last = this.series.get(key);
    const log: SeriesLog = last ? { ...last, count: last.count + 1 } : { name: newName(record, now), count: 1, firstTimestamp: now };
    this.series.set(key, log);
    const namespace = record.involved.namespace ?? "default";
    return { key, name: log.name, namespace, record, count: log.count, firstTimestamp: log.firstTimestamp, lastTimestamp: now, aggregate };
  }

  private spamFiltered(record: EventRecord): boolean {
    const key = spamKey(record);
    let bucket = this.spam.get(key);
    if (bucket === undefined) bucket = new TokenBucket(this.o.spamPerSecond, this.o.spamBurst, this.o.now);
    this.spam.set(key, bucket);
    return !bucket.take();
  }
}

/** `<object>.<16 hex digits of the time in ns>`, as client-go names Events. */
function newName(record: EventRecord, now: number): string {
  return `${record.involved.name ?? ""}.${eventNameSuffix(now)}`;
}
