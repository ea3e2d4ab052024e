// Records core/v1 Events the way Kubernetes components do: one Event per (object, reason,
// message, source); repeats bump `count` and `lastTimestamp` instead of adding objects.
// Writes are best-effort: an event that cannot be written is logged, never fatal.
//
// Names are `<object>.<16 hex digits of the time in ns>`, as client-go names them, so listing an
// object's events by name lists them in the order they happened: `kubectl describe` sorts by
// lastTimestamp, which has whole seconds only, and keeps the listed order within a second. Like
// client-go's event correlator, the recorder remembers the events it wrote (the last
// KNOWN_EVENTS): a repeat of one of those is a bump; anything else is a new Event (a new
// leader's recorder starts a new series, as a restarted Kubernetes component does). Records of
// one event are written one after another, so a repeat never races its own create.

import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import { ResourceClient } from "../registry/internal-client";
import type { User } from "../auth/user";
import { createHash } from "node:crypto";
import { eventNameSuffix } from "../../api/event-names";
import { formatTime } from "../../api/time";

export type EventType = "Normal" | "Warning";

/** How many event names a recorder remembers as written (client-go's LRU holds 4096). */
export const KNOWN_EVENTS = 4096;

export class EventRecorder {
  private readonly events: ResourceClient;
  /** Event series written lately, "namespace/digest" -> the Event's name, oldest first. */
  private readonly known = new Map<string, string>();
  /** The write in progress per series, so records of one event are written in order. */
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: ApiContext,
    /** `source.component` and `reportingComponent`, e.g. "default-scheduler", "deployment-controller". */
    private readonly component: string,
    /** Who writes the Events: the component's user. */
    user: User,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    this.events = new ResourceClient(ctx, findResource("", "v1", "events")!, user);
  }

  /** `involved` must carry apiVersion and kind (objects from the store do). */
  record(involved: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): void {
    const namespace = involved.metadata.namespace ?? "default";
    const digest = createHash("sha256").update(`${involved.metadata.uid}|${reason}|${message}|${this.component}|${fieldPath ?? ""}`).digest("hex").slice(0, 16);
    const series = `${namespace}/${digest}`;
    const write = (this.pending.get(series) ?? Promise.resolve())
      .then(() => this.write(series, involved, type, reason, message, fieldPath))
      .catch(this.onError);
    this.pending.set(series, write);
    void write.then(() => {
      if (this.pending.get(series) === write) this.pending.delete(series);
    });
  }

  private async write(series: string, involved: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): Promise<void> {
    const namespace = involved.metadata.namespace ?? "default";
    const clock = this.ctx.clock.now();
    const now = formatTime(clock);
    const known = this.known.get(series);
    if (known !== undefined) {
      try {
        await this.events.update(namespace, known, (ev) => ({ ...ev, count: ((ev.count as number) ?? 1) + 1, lastTimestamp: now }));
        return this.remember(series, known);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
        this.known.delete(series); // deleted (expired, or by hand) since: write it anew
      }
    }
    const name = `${involved.metadata.name}.${eventNameSuffix(clock.getTime())}`;
    await this.events.create({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: involved.apiVersion,
        kind: involved.kind,
        name: involved.metadata.name,
        namespace: involved.metadata.namespace,
        uid: involved.metadata.uid,
        resourceVersion: involved.metadata.resourceVersion,
        fieldPath,
      },
      reason,
      message,
      type,
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.component,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
    this.remember(series, name);
  }

  private remember(series: string, name: string): void {
    this.known.delete(series);
    this.known.set(series, name);
    if (this.known.size > KNOWN_EVENTS) this.known.delete(this.known.keys().next().value!);
  }
}
