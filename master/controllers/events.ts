// Records core/v1 Events the way Kubernetes components do, through client-go's event correlator
// (event-correlator.ts): repeats of an event bump its `count`; 10 similar events differing only
// in message become one "(combined from similar events)" Event whose count goes up; a source may
// report 25 events about an object at once, then one per 5 minutes (the rest are counted, not
// written). Writes are best-effort: an event that cannot be written is logged, never fatal.
//
// Writes are bounded: each series (one Event object) is written by one loop at a time, which
// creates it at once and then bumps it at most once per `bumpIntervalMs` (1 s) with the latest
// count, message and time — so a burst of 10,000 records of one series is a create and a few
// updates, not 10,000 sequential writes.
//
// Names are `<object>.<16 hex digits of the time in ns>`, as client-go names them, so listing an
// object's events by name lists them in the order they happened: `kubectl describe` sorts by
// lastTimestamp, which has whole seconds only, and keeps the listed order within a second. The
// correlator lives in memory: a new leader's recorder starts new series, as a restarted
// Kubernetes component does.

import { setTimeout as sleep } from "node:timers/promises";
import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import { ResourceClient } from "../registry/internal-client";
import type { User } from "../auth/user";
import { formatTime } from "../../api/time";
import { EventCorrelator, type CorrelatorOptions, type EventType, type SeriesState } from "./event-correlator";

export type { EventType } from "./event-correlator";

/** How many written series a recorder remembers (client-go's LRU holds 4096). */
export const KNOWN_EVENTS = 4096;

export interface EventRecorderOptions extends Partial<Omit<CorrelatorOptions, "now">> {
  /** A series is written at most once per this long (the first write is at once). */
  bumpIntervalMs?: number;
}

/** What a recorder did with the events it was given. */
export interface EventRecorderStats {
  recorded: number;
  /** Filtered as spam (counted in their series, not written). */
  skipped: number;
  created: number;
  updated: number;
}

/** One series' writing loop: `latest` is what the Event should say next. */
interface SeriesWriter {
  latest: SeriesState;
  dirty: boolean;
  done: Promise<void>;
}

export class EventRecorder {
  private readonly events: ResourceClient;
  private readonly correlator: EventCorrelator;
  private readonly bumpIntervalMs: number;
  /** The name each series was last written under, so a repeat updates it instead of creating. */
  private readonly written = new Map<string, string>();
  private readonly writers = new Map<string, SeriesWriter>();
  private readonly counts: EventRecorderStats = { recorded: 0, skipped: 0, created: 0, updated: 0 };

  constructor(
    ctx: ApiContext,
    /** `source.component` and `reportingComponent`, e.g. "default-scheduler", "deployment-controller". */
    private readonly component: string,
    /** Who writes the Events: the component's user. */
    user: User,
    private readonly onError: (err: unknown) => void = () => {},
    options: EventRecorderOptions = {},
  ) {
    this.events = new ResourceClient(ctx, findResource("", "v1", "events")!, user);
    const { bumpIntervalMs = 1000, ...correlator } = options;
    this.bumpIntervalMs = bumpIntervalMs;
    this.correlator = new EventCorrelator({ ...correlator, now: () => ctx.clock.now().getTime() });
  }

  /** `involved` must carry apiVersion and kind (objects from the store do). */
  record(involved: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): void {
    this.counts.recorded++;
    const { metadata: m } = involved;
    const { skip, series } = this.correlator.correlate({
      component: this.component,
      involved: { apiVersion: involved.apiVersion, kind: involved.kind, namespace: m.namespace, name: m.name, uid: m.uid, resourceVersion: m.resourceVersion, fieldPath },
      type,
      reason,
      message,
    });
    if (skip) {
      this.counts.skipped++;
      return;
    }
    const running = this.writers.get(series.key);
    if (running) {
      running.latest = series;
      running.dirty = true;
      return;
    }
    const writer: SeriesWriter = { latest: series, dirty: true, done: Promise.resolve() };
    this.writers.set(series.key, writer);
    writer.done = this.writeLoop(writer).finally(() => this.writers.delete(series.key));
  }

  stats(): EventRecorderStats {
    return { ...this.counts };
  }

  /** Resolves once every recorded event is written (or failed); for tests and orderly stops. */
  async idle(): Promise<void> {
    while (this.writers.size > 0) await Promise.all([...this.writers.values()].map((w) => w.done));
  }

  /** Writes the series' latest state, then again at most once per interval while records come. */
  private async writeLoop(writer: SeriesWriter): Promise<void> {
    while (writer.dirty) {
      writer.dirty = false;
      const series = writer.latest;
      try {
        const restarted = await this.write(series);
        // Records counted against the deleted Event are gone with it; the series starts afresh.
        if (restarted && writer.latest.name === series.name) writer.dirty = false;
      } catch (err) {
        this.onError(err);
      }
      await sleep(this.bumpIntervalMs);
    }
  }

  /** Creates or updates the series' Event; true if it had been deleted and was written anew. */
  private async write(series: SeriesState): Promise<boolean> {
    if (this.written.get(series.key) === series.name) {
      try {
        const lastTimestamp = formatTime(series.lastTimestamp);
        await this.events.update(series.namespace, series.name, (ev) => ({ ...ev, count: series.count, lastTimestamp, message: series.record.message }));
        this.counts.updated++;
        this.remember(series.key, series.name);
        return false;
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
        await this.create(this.correlator.restart(series)); // deleted (expired, or by hand) since
        return true;
      }
    }
    await this.create(series);
    return false;
  }

  private async create(series: SeriesState): Promise<void> {
    const { record, namespace } = series;
    const o = record.involved;
    await this.events.create({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: series.name, namespace },
      involvedObject: { apiVersion: o.apiVersion, kind: o.kind, name: o.name, namespace: o.namespace, uid: o.uid, resourceVersion: o.resourceVersion, fieldPath: o.fieldPath },
      reason: record.reason,
      message: record.message,
      type: record.type,
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.component,
      firstTimestamp: formatTime(series.firstTimestamp),
      lastTimestamp: formatTime(series.lastTimestamp),
      count: series.count,
    });
    this.counts.created++;
    this.remember(series.key, series.name);
  }

  /** Like client-go's LRU, remembers the last KNOWN_EVENTS series written. */
  private remember(key: string, name: string): void {
    this.written.delete(key);
    this.written.set(key, name);
    if (this.written.size > KNOWN_EVENTS) this.written.delete(this.written.keys().next().value!);
  }
}
