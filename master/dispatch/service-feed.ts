// The service feed: every Service of the cluster with its endpoints, for every agent (each node's
// proxy serves every Service, as kube-proxy does). Fed by the master's shared informers of
// Services and EndpointSlices; views are built by service-view.ts, changes tracked by
// service-updates.ts.
//
// Sessions get `fullSet()` on connect (node-session.ts sends it right after NodeConfig). Changes
// are coalesced: at most one delta goes out per `coalesceMs` (50 ms by default), to every session
// through `onDelta`. A change after a quiet period goes out at once (an endpoint turning unready
// should leave rotation fast); changes that follow within the window — a rollout rewriting many
// slices, a Service and its slices — wait for its end and go out together as one delta.

import type { KubeObject } from "../../api/object";
import { objectKey } from "../../api/object-key";
import { findResource } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import { acquireInformer, releaseAll, type InformerHandlers, type InformerLease } from "../cache/shared-informers";
import type { Logger } from "../log";
import type { ServiceView } from "../../proto/gen/agent";
import { ServiceUpdates, type ServiceDelta } from "./service-updates";
import { buildServiceView, serviceKeyOfSlice } from "./service-view";

const SERVICES = findResource("", "v1", "services")!;
const ENDPOINT_SLICES = findResource("discovery.k8s.io", "v1", "endpointslices")!;

export interface ServiceFeedOptions {
  ctx: ApiContext;
  log: Logger;
  /** Changes within this window after the first one go out as one delta. Default 50 ms. */
  coalesceMs?: number;
  /** Receives each delta; the dispatcher sends it to every session. */
  onDelta(delta: ServiceDelta): void;
}

export class ServiceFeed {
  private readonly updates = new ServiceUpdates((key) => this.build(key));
  /** service key -> slice key -> slice */
  private readonly slicesByService = new Map<string, Map<string, KubeObject>>();
  private readonly leases: InformerLease[] = [];
  private services?: InformerLease;
  private timer?: NodeJS.Timeout;
  private lastSentAt = -Infinity;
  private started = false;
  private stopped = false;

  constructor(private readonly o: ServiceFeedOptions) {}

  async start(): Promise<void> {
    // Slices are replayed into the index; Services are read from their cache when views are built.
    await this.lease(ENDPOINT_SLICES, { add: (s) => this.sliceChanged(undefined, s), update: (old, s) => this.sliceChanged(old, s), delete: (s) => this.sliceChanged(s, undefined) }, true);
    const changed = (s: KubeObject) => this.changed(objectKey(s));
    this.services = await this.lease(SERVICES, { add: changed, update: (_old, s) => changed(s), delete: changed });
    if (this.stopped) return;
    // What later deltas are measured against: the state now, which every session gets in full.
    for (const s of this.services.list()) this.updates.markDirty(objectKey(s));
    this.updates.takeDelta();
    this.started = true;
    if (this.updates.hasChanges) this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await releaseAll(this.leases.splice(0));
  }

  /** Every Service's current view, for a session that just connected. */
  fullSet(): ServiceView[] {
    return this.updates.full();
  }

  private async lease(resource: NonNullable<ReturnType<typeof findResource>>, handlers: InformerHandlers, replay = false): Promise<InformerLease> {
    const onError = (err: unknown) => this.o.log.warn({ err, resource: resource.plural }, "informer watch failed; relisting");
    const lease = await acquireInformer(this.o.ctx, resource, handlers, { onError, replay });
    if (this.stopped) await lease.release();
    else this.leases.push(lease);
    return lease;
  }

  private build(key: string): ServiceView | undefined {
    const svc = this.services?.get(key);
    return svc ? buildServiceView(svc, [...(this.slicesByService.get(key)?.values() ?? [])]) : undefined;
  }

  private sliceChanged(old: KubeObject | undefined, slice: KubeObject | undefined): void {
    const oldKey = old && serviceKeyOfSlice(old);
    if (old && oldKey) {
      const m = this.slicesByService.get(oldKey);
      m?.delete(objectKey(old));
      if (m?.size === 0) this.slicesByService.delete(oldKey);
      this.changed(oldKey);
    }
    const key = slice && serviceKeyOfSlice(slice);
    if (slice && key) {
      let m = this.slicesByService.get(key);
      if (!m) this.slicesByService.set(key, (m = new Map()));
      m.set(objectKey(slice), slice);
      this.changed(key);
    }
  }

  private changed(key: string): void {
    this.updates.markDirty(key);
    if (this.started) this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    // 0 after a quiet period: the next turn of the event loop, so changes delivered together
    // (an informer relist) still make one delta.
    const delay = Math.max(0, this.lastSentAt + (this.o.coalesceMs ?? 50) - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      try {
        const delta = this.updates.takeDelta();
        if (!delta) return;
        this.lastSentAt = Date.now();
        this.o.onDelta(delta);
      } catch (err) {
        this.o.log.warn({ err }, "sending service updates failed");
      }
    }, delay);
  }
}
