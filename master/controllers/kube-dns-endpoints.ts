// The kube-dns endpoints controller (leader only): keeps the cluster DNS Service
// `kube-system/kube-dns` and its endpoints — every node's gateway address — as
// kube-dns-endpoints-core.ts computes them. One key, synced on any node change, on any change
// to the Service, its Endpoints or its slices (someone else's edit is put back), and every resync.
//
// A missing Service is created again (master/bootstrap.ts makes the first one).

import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import type { ApiContext } from "../apiserver/context";
import { ResourceClient } from "../apiserver/internal-client";
import type { InformerLease } from "../cache/shared-informers";
import { kubeDnsService } from "../bootstrap";
import type { ComponentDeps, LeaderComponent } from "../component";
import { Controller, type ControllerOptions } from "./controller-base";
import { leaderComponent } from "./controller-utils";
import { desiredEndpoints, desiredSlices, dnsEndpointsOf, KUBE_DNS_NAME, KUBE_DNS_NAMESPACE, MANAGED_BY, mergeInto, needsWrite } from "./kube-dns-endpoints-core";

const NODES = findResource("", "v1", "nodes")!;
const SERVICES = findResource("", "v1", "services")!;
const ENDPOINTS = findResource("", "v1", "endpoints")!;
const SLICES = findResource("discovery.k8s.io", "v1", "endpointslices")!;
const KEY = `${KUBE_DNS_NAMESPACE}/${KUBE_DNS_NAME}`;

const isKubeDns = (o: KubeObject) => o.metadata.namespace === KUBE_DNS_NAMESPACE && o.metadata.name === KUBE_DNS_NAME;
const isOurSlice = (o: KubeObject) => o.metadata.namespace === KUBE_DNS_NAMESPACE && o.metadata.labels?.["endpointslice.kubernetes.io/managed-by"] === MANAGED_BY;

export class KubeDnsEndpointsController extends Controller {
  private readonly services = new ResourceClient(this.ctx, SERVICES);
  private readonly endpoints = new ResourceClient(this.ctx, ENDPOINTS);
  private readonly slices = new ResourceClient(this.ctx, SLICES);
  private nodes?: InformerLease;

  constructor(ctx: ApiContext, options: ControllerOptions = {}) {
    super(ctx, options, { name: "kube-dns-endpoints-controller", quietConflicts: true });
  }

  protected async watch(): Promise<void> {
    const queue = () => this.queue.add(KEY);
    const ours = (match: (o: KubeObject) => boolean) => ({
      add: (o: KubeObject) => match(o) && queue(),
      update: (_old: KubeObject, o: KubeObject) => match(o) && queue(),
      delete: (o: KubeObject) => match(o) && queue(),
    });
    this.nodes = await this.lease(NODES, {
      add: queue,
      update: (old, node) => {
        if (JSON.stringify([old.spec, old.metadata.deletionTimestamp]) !== JSON.stringify([node.spec, node.metadata.deletionTimestamp])) queue();
      },
      delete: queue,
    });
    await this.lease(SERVICES, ours(isKubeDns));
    await this.lease(ENDPOINTS, ours(isKubeDns));
    await this.lease(SLICES, ours(isOurSlice));
  }

  enqueueAll(): void {
    this.queue.add(KEY);
  }

  async sync(): Promise<void> {
    if (!this.nodes) return;
    const service = (await this.services.tryGet(KUBE_DNS_NAMESPACE, KUBE_DNS_NAME)) ?? (await this.createService());
    const wanted = dnsEndpointsOf(this.nodes.list());
    await this.write(this.endpoints, desiredEndpoints(wanted));
    const desired = desiredSlices(service, wanted);
    for (const slice of desired) await this.write(this.slices, slice);
    const keep = new Set(desired.map((s) => s.metadata.name));
    for (const stale of await this.slices.list(KUBE_DNS_NAMESPACE, isOurSlice)) {
      if (keep.has(stale.metadata.name)) continue;
      await this.slices.delete(KUBE_DNS_NAMESPACE, stale.metadata.name!, { preconditions: { uid: stale.metadata.uid } }).catch(ignoreNotFound);
    }
  }

  private async createService(): Promise<KubeObject> {
    try {
      const created = await this.services.create(kubeDnsService());
      this.log(`${KEY}: the cluster DNS Service was missing; created it again`);
      return created;
    } catch (err) {
      if (err instanceof ApiError && err.reason === "AlreadyExists") return this.services.get(KUBE_DNS_NAMESPACE, KUBE_DNS_NAME);
      throw err;
    }
  }

  /** Creates `desired`, or updates what is stored when it differs in what this controller sets. */
  private async write(client: ResourceClient, desired: KubeObject): Promise<void> {
    const { namespace, name } = desired.metadata;
    const current = await client.tryGet(namespace, name!);
    if (!current) {
      await client.create(desired).catch((err) => (err instanceof ApiError && err.reason === "AlreadyExists" ? this.queue.add(KEY) : Promise.reject(err)));
      return;
    }
    if (!needsWrite(current, desired)) return;
    await client.update(namespace, name!, (latest) => (needsWrite(latest, desired) ? mergeInto(latest, desired) : undefined));
  }
}

function ignoreNotFound(err: unknown): void {
  if (!(err instanceof ApiError && err.code === 404)) throw err;
}

export function kubeDnsEndpointsComponent(deps: ComponentDeps, options: ControllerOptions = {}): LeaderComponent {
  return leaderComponent("kube-dns-endpoints-controller", deps, (d) => new KubeDnsEndpointsController(d.ctx, { log: (msg, err) => d.log.warn({ err }, msg), ...options }));
}
