// Records core/v1 Events the way Kubernetes components do: one Event per (object, reason,
// message, source); repeats bump `count` and `lastTimestamp` instead of adding objects.
// Writes are best-effort: an event that cannot be written is logged, never fatal.

import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import type { ApiContext } from "../apiserver/context";
import { ResourceClient } from "../apiserver/internal-client";
import { createHash } from "node:crypto";

export type EventType = "Normal" | "Warning";

export class EventRecorder {
  private readonly events: ResourceClient;

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
    const bumped = await this.events
      .update(namespace, name, (ev) => ({ ...ev, count: ((ev.count as number) ?? 1) + 1, lastTimestamp: now }))
      .catch((err) => {
        if (err instanceof ApiError && err.code === 404) return undefined;
        throw err;
      });
    if (bumped) return;
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
  }
}
