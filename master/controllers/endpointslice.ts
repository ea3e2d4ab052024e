// EndpointSlice controller: keeps the discovery.k8s.io/v1 EndpointSlices of every Service with a
// selector (and no ExternalName) equal to what its pods offer, at most maxEndpointsPerSlice
// endpoints each. The decisions are in endpointslice-plan.ts; this file is the I/O.
//
// Per Service key (`sync`): a Service that is gone needs nothing (its slices are controlled by
// it, so the garbage collector deletes them); a selector-less Service is left alone (its users
// manage its slices). Otherwise, once the cache shows every slice write this controller made
// for the Service (endpointslice-tracker.ts: without that, a sync on a stale cache could create
// a slice twice), the plan's creates, updates (compare-and-swap) and deletes are written. An
// unchanged Service plans no writes, so a resync is free.
//
// Keys come from Service events, from pod events that change what a selecting Service's
// endpoints depend on, from events of the slices this controller manages, and from nodes
// appearing (pods on a node not yet known wait for it, as upstream) or changing zone.

import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { namespacedKey } from "../../api/object-key";
import { findResource } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import type { InformerLease } from "../cache/shared-informers";
import type { ComponentDeps, LeaderComponent } from "../component";
import type { ControllerOptions } from "./controller-base";
import { leaderComponent, splitKey } from "./controller-utils";
import { ZONE_LABEL } from "./endpointslice-desired";
import { CONTROLLER_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, planEndpointSlices, type SliceObject } from "./endpointslice-plan";
import { SliceWriteTracker } from "./endpointslice-tracker";
import { asService, hasManagedEndpoints } from "./service-backends";
import { ServicePodsController } from "./service-pods-controller";

const NODES = findResource("", "v1", "nodes")!;
const ENDPOINT_SLICES = findResource("discovery.k8s.io", "v1", "endpointslices")!;

/** A Service with pods on unknown nodes is looked at again after this long, at the latest. */
const NODE_WAIT_MS = 5_000;

export interface EndpointSliceControllerOptions extends ControllerOptions {
  /** Endpoints per slice; default 100 (kube-controller-manager's --max-endpoints-per-slice). */
  maxEndpointsPerSlice?: number;
}

/** The key of the Service a slice managed by this controller belongs to. */
function ownerKeyOf(slice: KubeObject): string | undefined {
  const labels = slice.metadata.labels ?? {};
  if (labels[MANAGED_BY_LABEL] !== CONTROLLER_NAME || !labels[SERVICE_NAME_LABEL]) return undefined;
  return namespacedKey(slice.metadata.namespace, labels[SERVICE_NAME_LABEL]);
}

export class EndpointSliceController extends ServicePodsController {
  private readonly client = this.clientOf(ENDPOINT_SLICES);
  private readonly tracker = new SliceWriteTracker(() => this.ctx.clock.now().getTime());
  /** Services with pods on nodes the cache does not know yet. */
  private readonly waitingForNodes = new Set<string>();
  private nodes?: InformerLease;
  private slices?: InformerLease;

  constructor(
    ctx: ApiContext,
    private readonly sliceOptions: EndpointSliceControllerOptions = {},
  ) {
    super(ctx, sliceOptions, { name: "endpointslice-controller", quietConflicts: true });
  }

  protected async watch(): Promise<void> {
    await this.leaseServicesAndPods();
    this.nodes = await this.lease(NODES, {
      add: () => this.nodeAppeared(),
      update: (old, n) => {
        if (old.metadata.labels?.[ZONE_LABEL] !== n.metadata.labels?.[ZONE_LABEL]) this.enqueueAll();
      },
    });
    const sliceEvent = (slice: KubeObject, gone: boolean) => {
      const key = ownerKeyOf(slice);
      if (!key) return;
      const ref = { name: slice.metadata.name!, uid: slice.metadata.uid, resourceVersion: slice.metadata.resourceVersion };
      if (gone) this.tracker.gone(key, ref);
      else this.tracker.observed(key, ref);
      this.queue.add(key);
    };
    this.slices = await this.lease(ENDPOINT_SLICES, {
      add: (s) => sliceEvent(s, false),
      update: (old, s) => {
        const oldKey = ownerKeyOf(old);
        if (oldKey && oldKey !== ownerKeyOf(s)) this.queue.add(oldKey);
        sliceEvent(s, false);
      },
      delete: (s) => sliceEvent(s, true),
    });
  }

  private nodeAppeared(): void {
    for (const key of this.waitingForNodes) this.queue.add(key);
  }

  async sync(key: string): Promise<void> {
    if (!this.services || !this.pods || !this.nodes || !this.slices) return;
    const svc = this.services.get(key);
    if (!svc) {
      this.tracker.forget(key);
      this.waitingForNodes.delete(key);
      return;
    }
    const service = asService(svc);
    if (!hasManagedEndpoints(service)) return;
    // Wait for the events of our own writes; they queue this key again.
    if (this.tracker.isStale(key)) return;

    const { namespace, name } = splitKey(key);
    const slices = this.slices.list(namespace).filter((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === name && s.metadata.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME) as SliceObject[];
    const plan = planEndpointSlices({
      service,
      pods: this.pods.list(namespace),
      slices,
      node: (n) => this.nodes?.get(n),
      maxEndpointsPerSlice: this.sliceOptions.maxEndpointsPerSlice,
    });
    if (plan.podsWithoutNode > 0) {
      this.waitingForNodes.add(key);
      this.queue.addAfter(key, NODE_WAIT_MS);
    } else {
      this.waitingForNodes.delete(key);
    }

    const cached = (n: string) => {
      const s = this.slices?.get(namespacedKey(namespace, n));
      return s && { name: n, uid: s.metadata.uid, resourceVersion: s.metadata.resourceVersion };
    };
    const written = (s: KubeObject) => this.tracker.wrote(key, { name: s.metadata.name!, uid: s.metadata.uid, resourceVersion: s.metadata.resourceVersion }, cached(s.metadata.name!));
    // A Service being deleted gets no new slices: the garbage collector is removing them.
    const creates = service.metadata.deletionTimestamp ? [] : plan.create;
    const results = await Promise.allSettled([
      ...creates.map(async (s) => written(await this.client.create(s))),
      ...plan.update.map(async (s) => written(await this.client.replace(s))),
      ...plan.delete.map(async (s) => {
        try {
          await this.client.delete(namespace, s.metadata.name!, { preconditions: { uid: s.metadata.uid } });
          this.tracker.deleted(key, { name: s.metadata.name!, uid: s.metadata.uid }, cached(s.metadata.name!));
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 404)) throw err;
        }
      }),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }
}

/** Leader component factory for master/leader-components.ts. */
export function endpointSliceControllerComponent(deps: ComponentDeps): LeaderComponent {
  return leaderComponent("endpointslice-controller", deps, (d) => new EndpointSliceController(d.ctx, { log: (msg, err) => d.log.warn({ err }, msg) }));
}
