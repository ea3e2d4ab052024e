// The default ClusterRoles and ClusterRoleBindings a cluster starts with: upstream's
// bootstrappolicy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go, Kubernetes 1.32),
// trimmed to the roles and resources Gantry serves (api/resources.ts), plus the authorization.k8s.io
// reviews that issue 11 adds. Users are bound to:
//
//   cluster-admin                  everything                      group system:masters
//   admin / edit / view            aggregated from the system:aggregate-to-* roles (and any
//                                  ClusterRole labelled rbac.authorization.k8s.io/aggregate-to-*)
//   system:basic-user              self reviews                    group system:authenticated
//   system:discovery               /api, /apis, /openapi, /version group system:authenticated
//   system:public-info-viewer      health and /version             authenticated + unauthenticated
//   system:monitoring              /metrics and health checks      group system:monitoring
//
// view reads the namespaced resources but not Secrets (or exec/attach/portforward); edit adds
// writes, Secrets and the pod streams; admin adds Roles/RoleBindings in its namespace.
// Every object is labelled kubernetes.io/bootstrapping=rbac-defaults and annotated
// rbac.authorization.kubernetes.io/autoupdate=true; reconcile.ts keeps them current.

import type { LabelSelector } from "kubernetes-types/meta/v1";
import {
  AUTOUPDATE_ANNOTATION,
  BOOTSTRAP_LABEL,
  BOOTSTRAP_LABEL_VALUE,
  type ClusterRole,
  type ClusterRoleBinding,
  type PolicyRule,
  RBAC_API_VERSION,
  RBAC_GROUP,
  type Subject,
} from "./types";

export { reconcileDefault, type ReconcileAction } from "./reconcile";

const READ = ["get", "list", "watch"];
const WRITE = ["create", "update", "patch", "delete", "deletecollection"];
const READ_WRITE = [...READ, ...WRITE];

const CORE = "";
const APPS = "apps";
const AUTHENTICATION = "authentication.k8s.io";
const AUTHORIZATION = "authorization.k8s.io";
const AUTOSCALING = "autoscaling";
const BATCH = "batch";
const COORDINATION = "coordination.k8s.io";
const DISCOVERY = "discovery.k8s.io";
const EVENTS = "events.k8s.io";

export const AGGREGATE_TO_ADMIN = "rbac.authorization.k8s.io/aggregate-to-admin";
export const AGGREGATE_TO_EDIT = "rbac.authorization.k8s.io/aggregate-to-edit";
export const AGGREGATE_TO_VIEW = "rbac.authorization.k8s.io/aggregate-to-view";

function rule(verbs: string[], groups: string[], resources: string[], resourceNames?: string[]): PolicyRule {
  return resourceNames ? { verbs, apiGroups: groups, resources, resourceNames } : { verbs, apiGroups: groups, resources };
}

function urls(verbs: string[], nonResourceURLs: string[]): PolicyRule {
  return { verbs, nonResourceURLs };
}

/** Writing Events (core and events.k8s.io): every component that reports what it did. */
export const eventsRule = rule(["create", "update", "patch"], [CORE, EVENTS], ["events"]);

/** A default object's metadata: the bootstrapping label and autoupdate on. */
export function bootstrapMetadata(name: string, labels: Record<string, string> = {}) {
  return { name, labels: { ...labels, [BOOTSTRAP_LABEL]: BOOTSTRAP_LABEL_VALUE }, annotations: { [AUTOUPDATE_ANNOTATION]: "true" } };
}

export function clusterRole(name: string, rules: PolicyRule[], labels?: Record<string, string>): ClusterRole {
  return { apiVersion: RBAC_API_VERSION, kind: "ClusterRole", metadata: bootstrapMetadata(name, labels), rules };
}

function aggregatedRole(name: string, aggregateFrom: string, labels?: Record<string, string>): ClusterRole {
  const selector: LabelSelector = { matchLabels: { [aggregateFrom]: "true" } };
  return { apiVersion: RBAC_API_VERSION, kind: "ClusterRole", metadata: bootstrapMetadata(name, labels), aggregationRule: { clusterRoleSelectors: [selector] } };
}

const HEALTH = ["/livez", "/readyz", "/healthz"];

/** The default ClusterRoles, in upstream's order. */
export function defaultClusterRoles(): ClusterRole[] {
  return [
    clusterRole("cluster-admin", [rule(["*"], ["*"], ["*"]), urls(["*"], ["*"])]),
    clusterRole("system:discovery", [urls(["get"], [...HEALTH, "/version", "/version/", "/openapi", "/openapi/*", "/api", "/api/*", "/apis", "/apis/*"])]),
    clusterRole("system:monitoring", [urls(["get"], ["/metrics", "/metrics/slis", ...HEALTH, ...HEALTH.map((p) => `${p}/*`)])]),
    clusterRole("system:basic-user", [
      rule(["create"], [AUTHORIZATION], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
      rule(["create"], [AUTHENTICATION], ["selfsubjectreviews"]),
    ]),
    clusterRole("system:public-info-viewer", [urls(["get"], [...HEALTH, "/version", "/version/"])]),
    aggregatedRole("admin", AGGREGATE_TO_ADMIN),
    aggregatedRole("edit", AGGREGATE_TO_EDIT, { [AGGREGATE_TO_ADMIN]: "true" }),
    aggregatedRole("view", AGGREGATE_TO_VIEW, { [AGGREGATE_TO_EDIT]: "true" }),
    clusterRole(
      "system:aggregate-to-admin",
      [rule(["create"], [AUTHORIZATION], ["localsubjectaccessreviews"]), rule(READ_WRITE, [RBAC_GROUP], ["roles", "rolebindings"])],
      { [AGGREGATE_TO_ADMIN]: "true" },
    ),
    clusterRole(
      "system:aggregate-to-edit",
      [
        // Reading these escalates (Secrets hold credentials; the pod streams run code), so view has none of them.
        rule(READ, [CORE], ["pods/attach", "pods/exec", "pods/portforward", "secrets"]),
        rule(["impersonate"], [CORE], ["serviceaccounts"]),
        rule(WRITE, [CORE], ["pods", "pods/attach", "pods/exec", "pods/portforward"]),
        rule(["create"], [CORE], ["pods/eviction"]),
        rule(WRITE, [CORE], ["replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "configmaps", "secrets"]),
        rule(["create"], [CORE], ["serviceaccounts/token"]),
        rule(WRITE, [APPS], ["statefulsets", "statefulsets/scale", "daemonsets", "deployments", "deployments/scale", "replicasets", "replicasets/scale"]),
        rule(WRITE, [AUTOSCALING], ["horizontalpodautoscalers"]),
        rule(WRITE, [BATCH], ["jobs", "cronjobs"]),
        rule(READ_WRITE, [COORDINATION], ["leases"]),
      ],
      { [AGGREGATE_TO_EDIT]: "true" },
    ),
    clusterRole(
      "system:aggregate-to-view",
      [
        rule(READ, [CORE], ["pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/status", "endpoints", "configmaps"]),
        rule(READ, [CORE], ["events", "pods/status", "namespaces/status", "replicationcontrollers/status", "pods/log"]),
        // Reading namespaces in a namespace means reading that namespace: how users find where they have access.
        rule(READ, [CORE], ["namespaces"]),
        rule(READ, [DISCOVERY], ["endpointslices"]),
        rule(READ, [APPS], [
          "statefulsets", "statefulsets/status", "statefulsets/scale",
          "daemonsets", "daemonsets/status",
          "deployments", "deployments/status", "deployments/scale",
          "replicasets", "replicasets/status", "replicasets/scale",
        ]),
        rule(READ, [AUTOSCALING], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
        rule(READ, [BATCH], ["jobs", "cronjobs", "cronjobs/status", "jobs/status"]),
      ],
      { [AGGREGATE_TO_VIEW]: "true" },
    ),
    clusterRole("system:auth-delegator", [rule(["create"], [AUTHENTICATION], ["tokenreviews"]), rule(["create"], [AUTHORIZATION], ["subjectaccessreviews"])]),
    clusterRole("system:service-account-issuer-discovery", [
      urls(["get"], ["/.well-known/openid-configuration", "/.well-known/openid-configuration/", "/openid/v1/jwks", "/openid/v1/jwks/"]),
    ]),
    clusterRole("system:node-proxier", [
      rule(["list", "watch"], [CORE], ["services", "endpoints"]),
      rule(READ, [CORE], ["nodes"]),
      eventsRule,
      rule(["list", "watch"], [DISCOVERY], ["endpointslices"]),
    ]),
    clusterRole("system:kube-scheduler", [
      eventsRule,
      rule(["create"], [COORDINATION], ["leases"]),
      rule(["get", "update"], [COORDINATION], ["leases"], ["kube-scheduler"]),
      rule(READ, [CORE], ["nodes"]),
      rule(["get", "list", "watch", "delete"], [CORE], ["pods"]),
      rule(["create"], [CORE], ["pods/binding"]),
      rule(["patch", "update"], [CORE], ["pods/status"]),
      rule(READ, [CORE], ["services", "replicationcontrollers"]),
      rule(READ, [APPS], ["replicasets", "statefulsets"]),
      rule(["create"], [AUTHENTICATION], ["tokenreviews"]),
      rule(["create"], [AUTHORIZATION], ["subjectaccessreviews"]),
      rule(READ, [CORE], ["namespaces"]),
    ]),
    clusterRole("system:kube-controller-manager", [
      eventsRule,
      rule(["create"], [COORDINATION], ["leases"]),
      // Gantry's leader election writes its Lease (kube-system/gantry-master) as this user.
      rule(["get", "update"], [COORDINATION], ["leases"], ["kube-controller-manager", "gantry-master"]),
      rule(["create"], [CORE], ["secrets", "serviceaccounts"]),
      rule(["delete"], [CORE], ["secrets"]),
      rule(["get"], [CORE], ["configmaps", "namespaces", "secrets", "serviceaccounts"]),
      rule(["update"], [CORE], ["secrets", "serviceaccounts"]),
      rule(["create"], [AUTHENTICATION], ["tokenreviews"]),
      rule(["create"], [AUTHORIZATION], ["subjectaccessreviews"]),
      // Every controller's shared informers.
      rule(["list", "watch"], ["*"], ["*"]),
      rule(["create"], [CORE], ["serviceaccounts/token"]),
    ]),
  ];
}

const group = (name: string): Subject => ({ kind: "Group", apiGroup: RBAC_GROUP, name });
const user = (name: string): Subject => ({ kind: "User", apiGroup: RBAC_GROUP, name });

function clusterBinding(role: string, subjects: Subject[]): ClusterRoleBinding {
  return { apiVersion: RBAC_API_VERSION, kind: "ClusterRoleBinding", metadata: bootstrapMetadata(role), roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: role }, subjects };
}

/** The default ClusterRoleBindings; each is named after the ClusterRole it binds. */
export function defaultClusterRoleBindings(): ClusterRoleBinding[] {
  return [
    clusterBinding("cluster-admin", [group("system:masters")]),
    clusterBinding("system:monitoring", [group("system:monitoring")]),
    clusterBinding("system:discovery", [group("system:authenticated")]),
    clusterBinding("system:basic-user", [group("system:authenticated")]),
    clusterBinding("system:public-info-viewer", [group("system:authenticated"), group("system:unauthenticated")]),
    clusterBinding("system:node-proxier", [user("system:kube-proxy")]),
    clusterBinding("system:kube-controller-manager", [user("system:kube-controller-manager")]),
    clusterBinding("system:kube-scheduler", [user("system:kube-scheduler")]),
    clusterBinding("system:service-account-issuer-discovery", [group("system:serviceaccounts")]),
  ];
}
