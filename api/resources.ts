// The catalogue of resource types Gantry serves. Discovery, OpenAPI, routing, storage keys and
// Table printing all read this one list, so adding a kind starts here.

export interface ResourceType {
  group: string; // "" for the core group
  version: string; // the served version of this entry
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** Subresources served under /<plural>/<name>/<sub>, e.g. "status", "scale". */
  subresources: string[];
  /**
   * The resource whose etcd keys hold this one: versions of one resource share storage
   * (autoscaling/v1 and v2 HPAs are the same objects). Defaults to `plural`.
   */
  storageResource?: string;
  /** The version objects are kept in when several are served. */
  storageVersion?: boolean;
}

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const NO_COLLECTION_DELETE = ["create", "delete", "get", "list", "patch", "update", "watch"];

function resource(
  r: Omit<ResourceType, "listKind" | "verbs" | "categories" | "shortNames" | "subresources"> &
    Partial<ResourceType>,
): ResourceType {
  return {
    listKind: `${r.kind}List`,
    verbs: ALL_VERBS,
    categories: [],
    shortNames: [],
    subresources: [],
    ...r,
  };
}

export const RESOURCES: readonly ResourceType[] = [
  // core/v1
  resource({ group: "", version: "v1", kind: "Namespace", plural: "namespaces", singular: "namespace", namespaced: false, shortNames: ["ns"], verbs: NO_COLLECTION_DELETE, subresources: ["status", "finalize"] }),
  resource({ group: "", version: "v1", kind: "Node", plural: "nodes", singular: "node", namespaced: false, shortNames: ["no"], subresources: ["status", "proxy"] }),
  resource({ group: "", version: "v1", kind: "Pod", plural: "pods", singular: "pod", namespaced: true, shortNames: ["po"], categories: ["all"], subresources: ["status", "binding", "eviction", "log", "exec", "attach", "portforward", "ephemeralcontainers"] }),
  resource({ group: "", version: "v1", kind: "Service", plural: "services", singular: "service", namespaced: true, shortNames: ["svc"], categories: ["all"], subresources: ["status"], verbs: NO_COLLECTION_DELETE }),
  resource({ group: "", version: "v1", kind: "Endpoints", plural: "endpoints", singular: "endpoints", namespaced: true, shortNames: ["ep"] }),
  resource({ group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", singular: "configmap", namespaced: true, shortNames: ["cm"] }),
  resource({ group: "", version: "v1", kind: "Secret", plural: "secrets", singular: "secret", namespaced: true }),
  resource({ group: "", version: "v1", kind: "Event", plural: "events", singular: "event", namespaced: true, shortNames: ["ev"] }),
  resource({ group: "", version: "v1", kind: "ServiceAccount", plural: "serviceaccounts", singular: "serviceaccount", namespaced: true, shortNames: ["sa"], subresources: ["token"] }),
  resource({ group: "", version: "v1", kind: "ReplicationController", plural: "replicationcontrollers", singular: "replicationcontroller", namespaced: true, shortNames: ["rc"], categories: ["all"], subresources: ["status", "scale"] }),
  // apps/v1
  resource({ group: "apps", version: "v1", kind: "Deployment", plural: "deployments", singular: "deployment", namespaced: true, shortNames: ["deploy"], categories: ["all"], subresources: ["status", "scale"] }),
  resource({ group: "apps", version: "v1", kind: "ReplicaSet", plural: "replicasets", singular: "replicaset", namespaced: true, shortNames: ["rs"], categories: ["all"], subresources: ["status", "scale"] }),
  resource({ group: "apps", version: "v1", kind: "DaemonSet", plural: "daemonsets", singular: "daemonset", namespaced: true, shortNames: ["ds"], categories: ["all"], subresources: ["status"] }),
  resource({ group: "apps", version: "v1", kind: "StatefulSet", plural: "statefulsets", singular: "statefulset", namespaced: true, shortNames: ["sts"], categories: ["all"], subresources: ["status", "scale"] }),
  // batch/v1
  resource({ group: "batch", version: "v1", kind: "Job", plural: "jobs", singular: "job", namespaced: true, categories: ["all"], subresources: ["status"] }),
  resource({ group: "batch", version: "v1", kind: "CronJob", plural: "cronjobs", singular: "cronjob", namespaced: true, shortNames: ["cj"], categories: ["all"], subresources: ["status"] }),
  // autoscaling: v2 is preferred and is the storage version; v1 is converted on the way in and out.
  resource({ group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler", plural: "horizontalpodautoscalers", singular: "horizontalpodautoscaler", namespaced: true, shortNames: ["hpa"], categories: ["all"], subresources: ["status"], storageVersion: true }),
  resource({ group: "autoscaling", version: "v1", kind: "HorizontalPodAutoscaler", plural: "horizontalpodautoscalers", singular: "horizontalpodautoscaler", namespaced: true, shortNames: ["hpa"], categories: ["all"], subresources: ["status"] }),
  // coordination.k8s.io/v1: node heartbeats and the leader lease.
  resource({ group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases", singular: "lease", namespaced: true }),
  // certificates.k8s.io/v1: TLS bootstrap and certificate rotation of nodes (master/certificates).
  resource({ group: "certificates.k8s.io", version: "v1", kind: "CertificateSigningRequest", plural: "certificatesigningrequests", singular: "certificatesigningrequest", namespaced: false, shortNames: ["csr"], subresources: ["status", "approval"] }),
  // authentication.k8s.io/v1: SelfSubjectReview (`kubectl auth whoami`) and TokenReview, answered, never stored.
  resource({ group: "authentication.k8s.io", version: "v1", kind: "SelfSubjectReview", plural: "selfsubjectreviews", singular: "selfsubjectreview", namespaced: false, verbs: ["create"] }),
  resource({ group: "authentication.k8s.io", version: "v1", kind: "TokenReview", plural: "tokenreviews", singular: "tokenreview", namespaced: false, verbs: ["create"] }),
  // authorization.k8s.io/v1: the access reviews (`kubectl auth can-i`), answered, never stored.
  resource({ group: "authorization.k8s.io", version: "v1", kind: "LocalSubjectAccessReview", plural: "localsubjectaccessreviews", singular: "localsubjectaccessreview", namespaced: true, verbs: ["create"] }),
  resource({ group: "authorization.k8s.io", version: "v1", kind: "SelfSubjectAccessReview", plural: "selfsubjectaccessreviews", singular: "selfsubjectaccessreview", namespaced: false, verbs: ["create"] }),
  resource({ group: "authorization.k8s.io", version: "v1", kind: "SelfSubjectRulesReview", plural: "selfsubjectrulesreviews", singular: "selfsubjectrulesreview", namespaced: false, verbs: ["create"] }),
  resource({ group: "authorization.k8s.io", version: "v1", kind: "SubjectAccessReview", plural: "subjectaccessreviews", singular: "subjectaccessreview", namespaced: false, verbs: ["create"] }),
  // discovery.k8s.io/v1: the endpoints of Services, written by the EndpointSlice controller.
  resource({ group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice", plural: "endpointslices", singular: "endpointslice", namespaced: true }),
  // rbac.authorization.k8s.io/v1: who may do what (api/rbac); stored as written, decided on by the authorizer.
  resource({ group: "rbac.authorization.k8s.io", version: "v1", kind: "Role", plural: "roles", singular: "role", namespaced: true }),
  resource({ group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding", plural: "rolebindings", singular: "rolebinding", namespaced: true }),
  resource({ group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole", plural: "clusterroles", singular: "clusterrole", namespaced: false }),
  resource({ group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBinding", plural: "clusterrolebindings", singular: "clusterrolebinding", namespaced: false }),
];

/** Groups in the order discovery lists them; the first version of each is the preferred one. */
export const GROUP_VERSIONS: readonly { group: string; versions: string[] }[] = [
  { group: "", versions: ["v1"] },
  { group: "apps", versions: ["v1"] },
  { group: "authentication.k8s.io", versions: ["v1"] },
  { group: "authorization.k8s.io", versions: ["v1"] },
  { group: "autoscaling", versions: ["v2", "v1"] },
  { group: "batch", versions: ["v1"] },
  { group: "certificates.k8s.io", versions: ["v1"] },
  { group: "coordination.k8s.io", versions: ["v1"] },
  { group: "discovery.k8s.io", versions: ["v1"] },
  { group: "policy", versions: ["v1"] },
  { group: "rbac.authorization.k8s.io", versions: ["v1"] },
];

export function apiVersionOf(r: Pick<ResourceType, "group" | "version">): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

export function findResource(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function findResourceByKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCES.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
}

export function storageResourceOf(r: ResourceType): string {
  return r.storageResource ?? (r.group && r.group !== "apps" && r.group !== "batch" ? `${r.plural}.${r.group}` : r.plural);
}

/** etcd key of one object: /registry/<resource>/<namespace>/<name>, cluster-scoped without namespace. */
export function storageKey(r: ResourceType, namespace: string | undefined, name: string): string {
  return r.namespaced ? `/registry/${storageResourceOf(r)}/${namespace}/${name}` : `/registry/${storageResourceOf(r)}/${name}`;
}

/** Key prefix of a list: all namespaces when `namespace` is undefined. Always ends in "/". */
export function storagePrefix(r: ResourceType, namespace?: string): string {
  return r.namespaced && namespace !== undefined
    ? `/registry/${storageResourceOf(r)}/${namespace}/`
    : `/registry/${storageResourceOf(r)}/`;
}
