// The ClusterRole aggregation controller (kube-controller-manager's clusterrole-aggregation):
// a ClusterRole with an aggregationRule gets, as its rules, the union of the rules of every
// ClusterRole its selectors match (api/rbac/aggregation.ts). Any ClusterRole change can change
// what an aggregated role gathers, so every change queues every aggregated role; writing only
// when the rules differ keeps that cheap and ends the loop an aggregated role's own update starts.

import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import { aggregationUpdate } from "../../api/rbac/aggregation";
import type { ClusterRole } from "../../api/rbac/types";
import type { InformerLease } from "../cache/shared-informers";
import type { ComponentDeps, LeaderComponent } from "../component";
import { Controller, type ControllerOptions } from "../controllers/controller-base";
import { leaderComponent } from "../controllers/controller-utils";
import type { ApiContext } from "../registry/context";

const CLUSTER_ROLES = findResource("rbac.authorization.k8s.io", "v1", "clusterroles")!;

const isAggregated = (role: KubeObject) => (role as ClusterRole).aggregationRule !== undefined;

export class ClusterRoleAggregationController extends Controller {
  private readonly roles = this.clientOf(CLUSTER_ROLES);
  private lease_?: InformerLease;

  constructor(ctx: ApiContext, options: ControllerOptions = {}) {
    super(ctx, options, { name: "clusterrole-aggregation-controller", quietConflicts: true });
  }

  protected async watch(): Promise<void> {
    const all = () => this.enqueueAll();
    this.lease_ = await this.lease(CLUSTER_ROLES, { add: all, update: all, delete: all });
  }

  enqueueAll(): void {
    for (const role of this.lease_?.list() ?? []) if (isAggregated(role)) this.queue.add(role.metadata.name!);
  }

  async sync(name: string): Promise<void> {
    const cached = this.lease_?.get(name) as ClusterRole | undefined;
    if (!cached?.aggregationRule) return;
    const all = (this.lease_?.list() ?? []) as ClusterRole[];
    if (aggregationUpdate(cached, all) === undefined) return;
    try {
      await this.roles.update(undefined, name, (current) => {
        const rules = aggregationUpdate(current as ClusterRole, all);
        return rules === undefined ? undefined : { ...current, rules };
      });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
  }
}

export function clusterRoleAggregationComponent(deps: ComponentDeps): LeaderComponent {
  return leaderComponent("clusterrole-aggregation-controller", deps, (d) => new ClusterRoleAggregationController(d.ctx, { log: (msg, err) => d.log.warn({ err }, msg) }));
}
