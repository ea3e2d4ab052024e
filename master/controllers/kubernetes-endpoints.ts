// The kubernetes endpoints controller (leader only): keeps `default/kubernetes` and its
// Endpoints and EndpointSlice listing every live master (kubernetes-endpoints-core.ts), through
// the static-service controller. Masters come and go through their identity Leases; a Lease
// expiring is no event, so the controller also looks every 5 s.

import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import { kubernetesService } from "../bootstrap";
import type { ComponentDeps, LeaderComponent } from "../component";
import type { ControllerOptions } from "./controller-base";
import { leaderComponent } from "./controller-utils";
import { isIdentityLease, isLive, kubernetesEndpoints, KUBERNETES_SERVICE, liveApiservers, ADVERTISE_ANNOTATION } from "./kubernetes-endpoints-core";
import { StaticServiceController } from "./static-service-controller";

const LEASES = findResource("coordination.k8s.io", "v1", "leases")!;
const RESYNC_MS = 5_000;
const DEFAULT_API_PORT = 6443;

export class KubernetesEndpointsController extends StaticServiceController {
  constructor(ctx: ApiContext, options: ControllerOptions = {}) {
    const now = () => ctx.clock.now().getTime();
    super(ctx, { resyncMs: RESYNC_MS, ...options }, "kubernetes-endpoints-controller", KUBERNETES_SERVICE, {
      resource: LEASES,
      // Node Leases renew all the time; only identity Leases whose address or liveness moved matter.
      changed: (old: KubeObject, lease: KubeObject) =>
        isIdentityLease(lease) &&
        (old.metadata.annotations?.[ADVERTISE_ANNOTATION] !== lease.metadata.annotations?.[ADVERTISE_ANNOTATION] || isLive(old, now()) !== isLive(lease, now()) || !isIdentityLease(old)),
      desired: (leases, nowMs) => kubernetesEndpoints(liveApiservers(leases, nowMs), DEFAULT_API_PORT),
      makeService: () => kubernetesService(ctx.network.kubernetesServiceIP),
    });
  }
}

export function kubernetesEndpointsComponent(deps: ComponentDeps, options: ControllerOptions = {}): LeaderComponent {
  return leaderComponent("kubernetes-endpoints-controller", deps, (d) => new KubernetesEndpointsController(d.ctx, { log: (msg, err) => d.log.warn({ err }, msg), ...options }));
}
