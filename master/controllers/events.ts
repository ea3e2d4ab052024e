// Records core/v1 Events the way Kubernetes components do: one Event per (object, reason,
// message, source); repeats bump `count` and `lastTimestamp` instead of adding objects.
// Writes are best-effort: an event that cannot be written is logged, never fatal.
//
// Like client-go's event correlator, the recorder remembers the events it wrote (the last
// KNOWN_EVENTS names): a repeat of one of those is a bump, anything else is tried as a create
// first, and only a create that finds the event already there (written by an earlier leader, or
// by a concurrent record of the same event) falls back to a bump. Most events are new (the
// scheduler's Scheduled event names a pod uid), so most cost one write instead of a failed read
// and a write.

import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import type { ApiContext } from "../apiserver/context";
import { ResourceClient } from "../apiserver/internal-client";
import { createHash } from "node:crypto";

export type EventType = "Normal" | "Warning";

/** How many event names a recorder remembers as written (client-go's LRU holds 4096). */
export const KNOWN_EVENTS = 4096;

export class EventRecorder {
  private readonly events: ResourceClient;
  /** "namespace/name" of events written lately, oldest first (a Map keeps insertion order). */
  private readonly known = new Map<string, true>();

  constructor(
    private readonly ctx: ApiContext,
    /** `source.component` and `reportingComponent`, e.g. "default-scheduler", "deployment-controller". */
    private readonly component: string,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    this.events = new ResourceClient(ctx, findResource("", "v1", "events")!);
  }

  /** `involved` must carry apiVersion and kind (objects from the store do). */
  record(involved: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): void {
    void this.write(involved, type, reason, message, fieldPath).catch(this.onError);
  }

  private async write(involved: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): Promise<void> {
    const namespace = involved.metadata.namespace ?? "default";
    const digest = createHash("sha256").update(`${involved.metadata.uid}|${reason}|${message}|${this.component}|${fieldPath ?? ""}`).digest("hex").slice(0, 10);
    const name = `${involved.metadata.name}.${digest}`;
    const now = this.ctx.clock.now().toISOString().replace(/\.\d{3}Z$/, "Z");
    const key = `${namespace}/${name}`;
    const bump = () => this.events.update(namespace, name, (ev) => ({ ...ev, count: ((ev.count as number) ?? 1) + 1, lastTimestamp: now }));
    if (this.known.has(key)) {
      try {
        await bump();
        return this.remember(key);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
        this.known.delete(key); // deleted (expired, or by hand) since: write it anew
      }
    }
    const event: KubeObject = {
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
    };
    try {
      await this.events.create(event);
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === "AlreadyExists")) throw err;
      await bump();
    }
    this.remember(key);
  }

  private remember(key: string): void {
    this.known.delete(key);
    this.known.set(key, true);
    if (this.known.size > KNOWN_EVENTS) this.known.delete(this.known.keys().next().value!);
  }
}
