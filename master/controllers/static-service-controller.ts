// A leader controller for a selector-less Service of ours whose endpoints come from other
// objects: `kube-system/kube-dns` (every node's DNS server, from the Nodes) and
// `default/kubernetes` (every live master, from the masters' identity Leases). One key, synced
// on any change of the source objects that matters, on any change to the Service, its Endpoints
// or its slices (someone else's edit is put back), and every resync. A missing Service is
// created again (master/bootstrap.ts makes the first one).

import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { namespacedKey } from "../../api/object-key";
import { findResource, type ResourceType } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import type { InformerLease } from "../cache/shared-informers";
import { Controller, type ControllerOptions } from "./controller-base";
import { isStaticSlice, type StaticEndpoint, type StaticService } from "./static-endpoints";
import { StaticEndpointsWriter } from "./static-endpoints-writer";

const SERVICES = findResource("", "v1", "services")!;
const ENDPOINTS = findResource("", "v1", "endpoints")!;
const SLICES = findResource("discovery.k8s.io", "v1", "endpointslices")!;

export interface StaticServiceSource {
  /** The objects endpoints come from. */
  resource: ResourceType;
  /** Whether an update of a source object can change the endpoints. */
  changed(old: KubeObject, current: KubeObject): boolean;
  /** The Service's description and endpoints from the source objects, now. */
  desired(objects: readonly KubeObject[], nowMs: number): { service: StaticService; endpoints: StaticEndpoint[] };
  /** The Service to create when it is missing. */
  makeService(): KubeObject;
}

export class StaticServiceController extends Controller {
  private readonly services = this.clientOf(SERVICES);
  private readonly writer = new StaticEndpointsWriter(this.ctx, this.user);
  private readonly key: string;
  private sources?: InformerLease;

  constructor(
    ctx: ApiContext,
    options: ControllerOptions,
    name: string,
    private readonly service: { namespace: string; name: string },
    private readonly source: StaticServiceSource,
  ) {
    super(ctx, options, { name, quietConflicts: true });
    this.key = namespacedKey(service.namespace, service.name);
  }

  protected async watch(): Promise<void> {
    const queue = () => this.queue.add(this.key);
    const isOurs = (o: KubeObject) => o.metadata.namespace === this.service.namespace && o.metadata.name === this.service.name;
    const ours = (match: (o: KubeObject) => boolean) => ({
      add: (o: KubeObject) => match(o) && queue(),
      update: (_old: KubeObject, o: KubeObject) => match(o) && queue(),
      delete: (o: KubeObject) => match(o) && queue(),
    });
    this.sources = await this.lease(this.source.resource, {
      add: queue,
      update: (old, o) => this.source.changed(old, o) && queue(),
      delete: queue,
    });
    await this.lease(SERVICES, ours(isOurs));
    await this.lease(ENDPOINTS, ours(isOurs));
    await this.lease(SLICES, ours((o) => isStaticSlice(this.desired().service, o)));
  }

  enqueueAll(): void {
    this.queue.add(this.key);
  }

  async sync(): Promise<void> {
    if (!this.sources) return;
    const { service: spec, endpoints } = this.desired();
    const service = (await this.services.tryGet(this.service.namespace, this.service.name)) ?? (await this.createService());
    await this.writer.sync(spec, service, endpoints, () => this.queue.add(this.key));
  }

  private desired(): ReturnType<StaticServiceSource["desired"]> {
    return this.source.desired(this.sources?.list() ?? [], this.ctx.clock.now().getTime());
  }

  private async createService(): Promise<KubeObject> {
    try {
      const created = await this.services.create(this.source.makeService());
      this.log(`${this.key}: the Service was missing; created it again`);
      return created;
    } catch (err) {
      if (err instanceof ApiError && err.reason === "AlreadyExists") return this.services.get(this.service.namespace, this.service.name);
      throw err;
    }
  }
}
