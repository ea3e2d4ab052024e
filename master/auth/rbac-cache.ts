// The RBAC objects every authorization decision reads, from shared informers: Roles,
// ClusterRoles, RoleBindings and ClusterRoleBindings, kept current by watches so no request
// waits on etcd (upstream's RBAC authorizer reads listers the same way). Started with the API,
// before it listens. A change is seen once its watch event arrives: a binding created a moment
// ago may not authorize yet, as on Kubernetes.

import { findResource } from "../../api/resources";
import type { RbacPolicy } from "../../api/rbac/policy";
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from "../../api/rbac/types";
import { acquireInformer, releaseAll, type InformerLease } from "../cache/shared-informers";
import type { ApiContext } from "../registry/context";

const RBAC = "rbac.authorization.k8s.io";
export const ROLES = findResource(RBAC, "v1", "roles")!;
export const CLUSTER_ROLES = findResource(RBAC, "v1", "clusterroles")!;
export const ROLE_BINDINGS = findResource(RBAC, "v1", "rolebindings")!;
export const CLUSTER_ROLE_BINDINGS = findResource(RBAC, "v1", "clusterrolebindings")!;

type Lease = InformerLease;

export class RbacCache implements RbacPolicy {
  private roles?: Lease;
  private clusterRolesLease?: Lease;
  private bindings?: Lease;
  private clusterBindings?: Lease;

  constructor(
    private readonly ctx: ApiContext,
    private readonly onError: (what: string, err: unknown) => void,
  ) {}

  async start(): Promise<void> {
    const acquire = (r: typeof ROLES) => acquireInformer(this.ctx, r, {}, { onError: (err) => this.onError(`${r.plural}: watch failed; relisting`, err) });
    [this.roles, this.clusterRolesLease, this.bindings, this.clusterBindings] = await Promise.all([acquire(ROLES), acquire(CLUSTER_ROLES), acquire(ROLE_BINDINGS), acquire(CLUSTER_ROLE_BINDINGS)]);
  }

  async stop(): Promise<void> {
    await releaseAll([this.roles, this.clusterRolesLease, this.bindings, this.clusterBindings]);
    this.roles = this.clusterRolesLease = this.bindings = this.clusterBindings = undefined;
  }

  clusterRoleBindings(): readonly ClusterRoleBinding[] {
    return (this.clusterBindings?.list() ?? []) as unknown as ClusterRoleBinding[];
  }

  roleBindings(namespace: string): readonly RoleBinding[] {
    return (this.bindings?.list(namespace) ?? []) as unknown as RoleBinding[];
  }

  role(namespace: string, name: string): Role | undefined {
    return this.roles?.get(`${namespace}/${name}`) as Role | undefined;
  }

  clusterRole(name: string): ClusterRole | undefined {
    return this.clusterRolesLease?.get(name) as ClusterRole | undefined;
  }

  /** Every ClusterRole, for aggregation. */
  clusterRoles(): readonly ClusterRole[] {
    return (this.clusterRolesLease?.list() ?? []) as ClusterRole[];
  }
}

