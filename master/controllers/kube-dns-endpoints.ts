// The kube-dns endpoints controller (leader only): keeps the cluster DNS Service
// `kube-system/kube-dns` and its endpoints — every node's gateway address, as
// kube-dns-endpoints-core.ts computes them — through the static-service controller.

import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import { kubeDnsService } from "../bootstrap";
import type { ComponentDeps, LeaderComponent } from "../component";
import type { ControllerOptions } from "./controller-base";
import { leaderComponent } from "./controller-utils";
import { dnsEndpointsOf, KUBE_DNS, KUBE_DNS_NAME, KUBE_DNS_NAMESPACE } from "./kube-dns-endpoints-core";
import { StaticServiceController } from "./static-service-controller";

const NODES = findResource("", "v1", "nodes")!;

export class KubeDnsEndpointsController extends StaticServiceController {
  constructor(ctx: ApiContext, options: ControllerOptions = {}) {
    super(ctx, options, "kube-dns-endpoints-controller", { namespace: KUBE_DNS_NAMESPACE, name: KUBE_DNS_NAME }, {
      resource: NODES,
      // Only a node's pod range (and its deletion) moves its DNS endpoint.
      changed: (old: KubeObject, node: KubeObject) => JSON.stringify([old.spec, old.metadata.deletionTimestamp]) !== JSON.stringify([node.spec, node.metadata.deletionTimestamp]),
      desired: (nodes) => ({ service: KUBE_DNS, endpoints: dnsEndpointsOf(nodes) }),
      makeService: () => kubeDnsService(ctx.network.clusterDnsIP),
    });
  }
}

export function kubeDnsEndpointsComponent(deps: ComponentDeps, options: ControllerOptions = {}): LeaderComponent {
  return leaderComponent("kube-dns-endpoints-controller", deps, (d) => new KubeDnsEndpointsController(d.ctx, { log: (msg, err) => d.log.warn({ err }, msg), ...options }));
}
