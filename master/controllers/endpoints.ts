// Endpoints controller: keeps the core/v1 Endpoints object of every Service that has a selector
// (and is not ExternalName) equal to what its pods offer; the decisions are in
// endpoints-plan.ts, this file is the I/O.
//
// Per Service key (`sync`): a Service that is gone takes its Endpoints with it; a selector-less
// Service is left alone (its users manage its Endpoints); otherwise the plan is written only
// when it differs from the cached object, so a resync is free. Writes are compare-and-swap on
// the cached resourceVersion: a stale cache costs a quiet conflict and a retry.
//
// Keys come from Service events, from pod events that change what a selecting Service's
// endpoints depend on (labels, IPs, readiness, deletion, node, hostname, ports), and from the
// deletion of an Endpoints object. The first pass after start also visits every Endpoints
// object, so those of Services deleted while no leader ran are removed (upstream's
// checkLeftoverEndpoints).

import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import type { InformerLease } from "../cache/shared-informers";
import type { ComponentDeps, LeaderComponent } from "../component";
import type { ControllerOptions } from "./controller-base";
import { keyOf, leaderComponent, splitKey } from "./controller-utils";
import { planEndpoints, type EndpointsObject } from "./endpoints-plan";
import { asService, hasManagedEndpoints } from "./service-backends";
import { ServicePodsController } from "./service-pods-controller";

const ENDPOINTS = findResource("", "v1", "endpoints")!;

export class EndpointsController extends ServicePodsController {
  private readonly client = this.clientOf(ENDPOINTS);
  private endpoints?: InformerLease;
  private leftoversChecked = false;

  constructor(ctx: ApiContext, options: ControllerOptions = {}) {
    super(ctx, options, { name: "endpoint-controller", quietConflicts: true });
  }

  protected async watch(): Promise<void> {
    await this.leaseServicesAndPods();
    this.endpoints = await this.lease(ENDPOINTS, { delete: (ep: KubeObject) => this.queue.add(keyOf(ep)) });
  }

  /** Every Service; on the first pass after start also every Endpoints object (leftovers). */
  override enqueueAll(): void {
    super.enqueueAll();
    if (this.leftoversChecked) return;
    this.leftoversChecked = true;
    for (const ep of this.endpoints?.list() ?? []) this.queue.add(keyOf(ep));
  }

  async sync(key: string): Promise<void> {
    if (!this.services || !this.pods || !this.endpoints) return;
    const { namespace } = splitKey(key);
    const current = this.endpoints.get(key) as EndpointsObject | undefined;
    const svc = this.services.get(key);
    if (!svc) {
      if (current) await this.deleteEndpoints(current);
      return;
    }
    const service = asService(svc);
    if (!hasManagedEndpoints(service)) return;
    const plan = planEndpoints(service, this.pods.list(namespace), current);
    if (plan.action === "create") await this.client.create(plan.endpoints);
    else if (plan.action === "update") await this.client.replace(plan.endpoints);
  }

  private async deleteEndpoints(ep: EndpointsObject): Promise<void> {
    try {
      await this.client.delete(ep.metadata.namespace, ep.metadata.name!, { preconditions: { uid: ep.metadata.uid } });
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return;
      throw err;
    }
  }
}

/** Leader component factory for master/leader-components.ts. */
export function endpointsControllerComponent(deps: ComponentDeps): LeaderComponent {
  return leaderComponent("endpoint-controller", deps, (d) => new EndpointsController(d.ctx, { log: (msg, err) => d.log.warn({ err }, msg) }));
}
