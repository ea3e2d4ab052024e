// The identities the master's own components write with. Every write goes through the registry
// (master/registry), which authorizes and admits it as this user, as kube-apiserver does for
// kube-controller-manager and kube-scheduler, which reach it over HTTP with their own
// credentials. The names are upstream's, so RBAC's default roles and bindings apply as they are:
//
//   controllers        system:serviceaccount:kube-system:<controller>  (kube-controller-manager's
//                      --use-service-account-credentials names: deployment-controller,
//                      replicaset-controller, node-controller, ...)
//   scheduler          system:kube-scheduler
//   leader election    system:kube-controller-manager
//   the dispatcher     system:node:<name>, for what it writes on behalf of a node's agent (pod and
//                      node status, the node Lease, the agent's Events): the kubelet's identity, so
//                      the Node authorizer and NodeRestriction hold it to that node's objects
//   master bootstrap   system:apiserver in system:masters (kube-apiserver's loopback identity),
//                      for the system namespaces and Services every master ensures at start
//
// RBAC gives each its role: the controllers `system:controller:<name>` (api/rbac/controller-roles.ts),
// the scheduler and the controller manager upstream's `system:kube-scheduler` and
// `system:kube-controller-manager` (api/rbac/bootstrap-policy.ts).

import { NODES_GROUP, NODE_USER_PREFIX } from "../../api/certificates/csr";
import { AUTHENTICATED_GROUP, MASTERS_GROUP, authenticated, type User } from "./user";

export const SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";
export const SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts";
const CONTROLLER_NAMESPACE = "kube-system";

/** A controller's service account user, e.g. system:serviceaccount:kube-system:deployment-controller. */
export function controllerUser(serviceAccount: string): User {
  return authenticated(`${SERVICE_ACCOUNT_PREFIX}${CONTROLLER_NAMESPACE}:${serviceAccount}`, [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${CONTROLLER_NAMESPACE}`]);
}

/** kube-scheduler's user. */
export const SCHEDULER_USER: User = authenticated("system:kube-scheduler", []);

/** kube-controller-manager's own user (its leader election). */
export const CONTROLLER_MANAGER_USER: User = authenticated("system:kube-controller-manager", []);

/** kube-apiserver's loopback identity: a member of system:masters. */
export const APISERVER_USER: User = { name: "system:apiserver", groups: [MASTERS_GROUP, AUTHENTICATED_GROUP] };

/** The kubelet's identity for `nodeName`, which the dispatcher writes an agent's reports as. */
export function nodeUser(nodeName: string): User {
  return authenticated(`${NODE_USER_PREFIX}${nodeName}`, [NODES_GROUP]);
}
