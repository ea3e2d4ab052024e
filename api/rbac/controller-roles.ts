// The roles of the master's own controllers, as kube-controller-manager's
// --use-service-account-credentials gives them (upstream bootstrappolicy/controller_policy.go):
// each controller writes as `system:serviceaccount:kube-system:<name>`, bound to the ClusterRole
// `system:controller:<name>` that allows what it reads and writes, and nothing else. The
// scheduler and leader election have their own users (bootstrap-policy.ts).
//
// Gantry-only controllers (kube-dns-endpoints-controller, kubernetes-endpoints-controller) get
// roles of the same form; upstream's apiserver writes the `kubernetes` endpoints as
// system:apiserver instead.

import { bootstrapMetadata, clusterRole, eventsRule } from "./bootstrap-policy";
import { RBAC_API_VERSION, RBAC_GROUP, type ClusterRole, type ClusterRoleBinding, type PolicyRule, type RoleBinding } from "./types";

const READ = ["get", "list", "watch"];
const CONTROLLER_NAMESPACE = "kube-system";

// Gantry's controllers change objects with read-modify-write updates where upstream's send
// patches, so a rule that allows patch allows update as well.
const rule = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]): PolicyRule => ({
  apiGroups,
  resources,
  verbs: verbs.includes("patch") && !verbs.includes("update") ? [...verbs, "update"] : verbs,
  ...(resourceNames ? { resourceNames } : {}),
});

/** Each controller's service account name → its rules (events included). */
export const CONTROLLER_RULES: Readonly<Record<string, PolicyRule[]>> = {
  "deployment-controller": [
    rule(["apps", "extensions"], ["deployments"], [...READ, "update"]),
    rule(["apps", "extensions"], ["deployments/status"], ["update"]),
    rule(["apps", "extensions"], ["deployments/finalizers"], ["update"]),
    rule(["apps", "extensions"], ["replicasets"], [...READ, "create", "update", "patch", "delete"]),
    rule([""], ["pods"], [...READ, "update"]),
  ],
  "replicaset-controller": [
    rule(["apps", "extensions"], ["replicasets"], [...READ, "update"]),
    rule(["apps", "extensions"], ["replicasets/status"], ["update"]),
    rule(["apps", "extensions"], ["replicasets/finalizers"], ["update"]),
    rule([""], ["pods"], ["list", "watch", "create", "patch", "delete"]),
  ],
  "job-controller": [
    rule(["batch"], ["jobs"], [...READ, "update", "patch"]),
    rule(["batch"], ["jobs/status"], ["update"]),
    rule(["batch"], ["jobs/finalizers"], ["update"]),
    rule([""], ["pods"], ["list", "watch", "create", "update", "patch", "delete"]),
  ],
  "cronjob-controller": [
    rule(["batch"], ["cronjobs"], [...READ, "update"]),
    rule(["batch"], ["jobs"], [...READ, "create", "update", "patch", "delete"]),
    rule(["batch"], ["cronjobs/status"], ["update"]),
    rule(["batch"], ["cronjobs/finalizers"], ["update"]),
    rule([""], ["pods"], ["list", "delete"]),
  ],
  "daemon-set-controller": [
    rule(["apps", "extensions"], ["daemonsets"], READ),
    rule(["apps", "extensions"], ["daemonsets/status"], ["update"]),
    rule(["apps", "extensions"], ["daemonsets/finalizers"], ["update"]),
    rule([""], ["nodes"], READ),
    rule([""], ["pods"], ["list", "watch", "create", "update", "patch", "delete"]),
    rule([""], ["pods/binding"], ["create"]),
    rule(["apps"], ["controllerrevisions"], [...READ, "create", "update", "patch", "delete"]),
  ],
  "endpoint-controller": [
    rule([""], ["services", "pods"], READ),
    rule([""], ["endpoints"], ["get", "list", "create", "update", "delete"]),
    rule([""], ["endpoints/restricted"], ["create"]),
  ],
  "endpointslice-controller": [
    rule([""], ["services", "pods", "nodes"], READ),
    rule(["discovery.k8s.io"], ["endpointslices"], ["get", "list", "create", "update", "delete"]),
  ],
  "generic-garbage-collector": [rule(["*"], ["*"], [...READ, "patch", "update", "delete"])],
  "namespace-controller": [
    rule([""], ["namespaces"], ["get", "list", "watch", "delete"]),
    rule([""], ["namespaces/finalize", "namespaces/status"], ["update"]),
    rule(["*"], ["*"], ["get", "list", "delete", "deletecollection"]),
  ],
  "node-controller": [
    rule([""], ["nodes"], ["get", "list", "update", "patch", "delete"]),
    rule([""], ["nodes/status"], ["update", "patch"]),
    rule([""], ["pods/status"], ["update", "patch"]),
    rule([""], ["pods"], ["list", "delete"]),
  ],
  "certificate-controller": [
    rule(["certificates.k8s.io"], ["certificatesigningrequests"], [...READ, "delete"]),
    rule(["certificates.k8s.io"], ["certificatesigningrequests/approval", "certificatesigningrequests/status"], ["update"]),
    rule(["certificates.k8s.io"], ["signers"], ["approve"], ["kubernetes.io/kube-apiserver-client-kubelet"]),
    rule(["certificates.k8s.io"], ["signers"], ["sign"], ["kubernetes.io/kube-apiserver-client-kubelet", "kubernetes.io/kubelet-serving", "kubernetes.io/kube-apiserver-client", "kubernetes.io/legacy-unknown"]),
    rule(["authorization.k8s.io"], ["subjectaccessreviews"], ["create"]),
  ],
  "service-controller": [
    rule([""], ["services"], READ),
    rule([""], ["services/status"], ["update", "patch"]),
    rule([""], ["nodes"], ["list", "watch"]),
  ],
  "serviceaccount-controller": [rule([""], ["serviceaccounts"], ["create"])],
  "root-ca-cert-publisher": [rule([""], ["configmaps"], ["create", "update"])],
  // These two are bound in one namespace only (NAMESPACED_CONTROLLERS): the signer writes
  // kube-public's cluster-info (which Gantry, unlike kubeadm, also creates), the cleaner deletes
  // kube-system's token Secrets.
  "bootstrap-signer": [rule([""], ["configmaps"], [...READ, "create", "update"])],
  "token-cleaner": [rule([""], ["secrets"], [...READ, "delete"])],
  // Writes aggregated rules it does not hold itself: allowed by escalate (api/rbac/escalation.ts).
  "clusterrole-aggregation-controller": [rule([RBAC_GROUP], ["clusterroles"], [...READ, "update", "patch", "escalate"])],
  "kube-dns-endpoints-controller": [
    rule([""], ["nodes"], READ),
    rule([""], ["services"], [...READ, "create", "update"]),
    rule([""], ["endpoints"], [...READ, "create", "update", "delete"]),
    rule(["discovery.k8s.io"], ["endpointslices"], [...READ, "create", "update", "delete"]),
  ],
  "kubernetes-endpoints-controller": [
    rule(["coordination.k8s.io"], ["leases"], READ),
    rule([""], ["services"], [...READ, "create", "update"]),
    rule([""], ["endpoints"], [...READ, "create", "update", "delete"]),
    rule(["discovery.k8s.io"], ["endpointslices"], [...READ, "create", "update", "delete"]),
  ],
};

/**
 * Controllers whose role holds only in one namespace: bound there with a RoleBinding (as
 * upstream's namespaced Roles for them) instead of a ClusterRoleBinding.
 */
export const NAMESPACED_CONTROLLERS: Readonly<Record<string, string>> = { "bootstrap-signer": "kube-public", "token-cleaner": "kube-system" };

/** The ClusterRole name of a controller's service account. */
export function controllerRoleName(serviceAccount: string): string {
  return `system:controller:${serviceAccount}`;
}

/** Every controller's rules with the event rules every controller has. */
export function controllerRules(serviceAccount: string): PolicyRule[] {
  return [...(CONTROLLER_RULES[serviceAccount] ?? []), eventsRule];
}

/** `system:controller:<name>` for every controller. */
export function controllerClusterRoles(): ClusterRole[] {
  return Object.keys(CONTROLLER_RULES).map((sa) => clusterRole(controllerRoleName(sa), controllerRules(sa)));
}

const binding = (sa: string) => ({
  roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: controllerRoleName(sa) },
  subjects: [{ kind: "ServiceAccount", name: sa, namespace: CONTROLLER_NAMESPACE }],
});

/** Each controller's role bound, cluster-wide, to its service account in kube-system. */
export function controllerClusterRoleBindings(): ClusterRoleBinding[] {
  return Object.keys(CONTROLLER_RULES)
    .filter((sa) => NAMESPACED_CONTROLLERS[sa] === undefined)
    .map((sa) => ({ apiVersion: RBAC_API_VERSION, kind: "ClusterRoleBinding", metadata: bootstrapMetadata(controllerRoleName(sa)), ...binding(sa) }));
}

/** The namespaced controllers' roles, bound in their one namespace. */
export function controllerRoleBindings(): RoleBinding[] {
  return Object.entries(NAMESPACED_CONTROLLERS).map(([sa, namespace]) => ({
    apiVersion: RBAC_API_VERSION,
    kind: "RoleBinding",
    metadata: { ...bootstrapMetadata(controllerRoleName(sa)), namespace },
    ...binding(sa),
  }));
}
