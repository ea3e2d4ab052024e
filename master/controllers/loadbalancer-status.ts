// LoadBalancer status controller: writes status.loadBalancer.ingress of type LoadBalancer
// Services — the node addresses their port is served on (loadbalancer-plan.ts) — so
// `kubectl get svc` shows an EXTERNAL-IP, and clears it when a Service changes type.
//
// Keys come from Service events, and from node events that change the set of addresses (a node
// joining, leaving, becoming Ready or not, cordoned): then every Service with a say is queued.
// Node heartbeats, which update every node every few seconds, do not change that set and cost
// one comparison. The status is written only when it differs.

import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import type { InformerLease } from "../cache/shared-informers";
import type { ComponentDeps, LeaderComponent } from "../component";
import { Controller, type ControllerOptions } from "./controller-base";
import { keyOf, leaderComponent, splitKey } from "./controller-utils";
import { loadBalancerNodeIPs, planLoadBalancerStatus } from "./loadbalancer-plan";
import { asService } from "./service-backends";

const SERVICES = findResource("", "v1", "services")!;
const NODES = findResource("", "v1", "nodes")!;

export class LoadBalancerStatusController extends Controller {
  private readonly client = this.clientOf(SERVICES);
  private services?: InformerLease;
  private nodes?: InformerLease;
  /** The addresses load balancers are served on, as last computed. */
  private nodeIPs: string[] = [];

  constructor(ctx: ApiContext, options: ControllerOptions = {}) {
    super(ctx, options, { name: "service-lb-controller", serviceAccount: "service-controller", quietConflicts: true });
  }

  protected async watch(): Promise<void> {
    const queueKey = (s: KubeObject) => this.queue.add(keyOf(s));
    this.services = await this.lease(SERVICES, { add: queueKey, update: (_old, s) => queueKey(s) });
    const nodesChanged = () => this.refreshNodeIPs();
    this.nodes = await this.lease(NODES, { add: nodesChanged, update: nodesChanged, delete: nodesChanged });
    this.nodeIPs = loadBalancerNodeIPs(this.nodes.list());
  }

  private refreshNodeIPs(): void {
    if (!this.nodes) return;
    const ips = loadBalancerNodeIPs(this.nodes.list());
    if (ips.join(",") === this.nodeIPs.join(",")) return;
    this.nodeIPs = ips;
    this.enqueueAll();
  }

  /** The Services this controller may have to write: LoadBalancers and those with an ingress. */
  enqueueAll(): void {
    for (const s of this.services?.list() ?? []) {
      const svc = asService(s);
      if (svc.spec?.type === "LoadBalancer" || (svc.status?.loadBalancer?.ingress ?? []).length > 0) this.queue.add(keyOf(s));
    }
  }

  async sync(key: string): Promise<void> {
    const svc = this.services?.get(key);
    if (!svc) return;
    const desired = planLoadBalancerStatus(asService(svc), this.nodeIPs);
    if (!desired) return;
    const { namespace, name } = splitKey(key);
    try {
      await this.client.update(
        namespace,
        name,
        (current) => {
          if (current.metadata.uid !== svc.metadata.uid) return undefined;
          // Decided again on the fresh object: its type may have changed since the cache saw it.
          const fresh = planLoadBalancerStatus(asService(current), this.nodeIPs);
          return fresh ? { ...current, status: { ...(current.status ?? {}), loadBalancer: fresh } } : undefined;
        },
        { statusOnly: true },
      );
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return;
      throw err;
    }
  }
}

/** Leader component factory for master/leader-components.ts. */
export function loadBalancerStatusControllerComponent(deps: ComponentDeps): LeaderComponent {
  return leaderComponent("service-lb-controller", deps, (d) => new LoadBalancerStatusController(d.ctx, { log: (msg, err) => d.log.warn({ err }, msg) }));
}
