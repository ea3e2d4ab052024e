// Writes the EventAggregator's aggregates: one core/v1 Event per (key, window), created on its
// first flush and then given `count += n`, the newest message and a new lastTimestamp on every
// later flush. Writes of one key go one after another, so an update never races its own create.
// Best-effort like every Event: a failure is reported, never fatal.

import { ApiError } from "../../api/errors";
import { eventNameSuffix } from "../../api/event-names";
import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import type { ApiContext } from "../apiserver/context";
import { ResourceClient } from "../apiserver/internal-client";
import type { AggregateEvent } from "./event-aggregator";

const EVENTS = findResource("", "v1", "events")!;

export class AggregateEventWriter {
  private readonly events: ResourceClient;
  /** key → the Event written for its current window. */
  private readonly written = new Map<string, { window: number; namespace: string; name: string }>();
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: ApiContext,
    private readonly component: string,
    private readonly onError: (err: unknown) => void,
  ) {
    this.events = new ResourceClient(ctx, EVENTS);
  }

  write(a: AggregateEvent): void {
    const chain = (this.chains.get(a.key) ?? Promise.resolve()).then(() => this.writeOne(a)).catch(this.onError);
    this.chains.set(a.key, chain);
    void chain.then(() => {
      if (this.chains.get(a.key) === chain) this.chains.delete(a.key);
    });
  }

  /** Waits for the writes started so far. */
  async settle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  private async writeOne(a: AggregateEvent): Promise<void> {
    const clock = this.ctx.clock.now();
    const now = clock.toISOString().replace(/\.\d{3}Z$/, "Z");
    const known = this.written.get(a.key);
    if (known && known.window === a.window) {
      try {
        await this.events.update(known.namespace, known.name, (ev) => ({ ...ev, count: ((ev.count as number) ?? 0) + a.count, message: a.message, lastTimestamp: now }));
        return;
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
        // Deleted (expired, or by hand) since: write it anew below.
      }
    }
    const involved: KubeObject = a.involved;
    const namespace = involved.metadata.namespace ?? "default";
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
      },
      reason: a.reason,
      message: a.message,
      type: a.type,
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.component,
      firstTimestamp: now,
      lastTimestamp: now,
      count: a.count,
    });
    this.written.set(a.key, { window: a.window, namespace, name });
  }
}
