// The Kubernetes list and patch extensions of the served schemas, written down by hand from the
// `+patchStrategy`, `+patchMergeKey`, `+listType`, `+listMapKeys` and `+structType` markers of
// the upstream Go types (k8s.io/api v1.30). The generated schemas (master/apiserver/openapi/
// k8s-schemas.json) carry structure and documentation but none of these.
//
// Why they matter: kubectl apply computes a strategic merge patch from these schemas. A list
// with patch strategy "merge" and merge key "name" (containers) is patched element by element;
// without the marker, kubectl replaces the whole list and the server loses what others set.

import type { Schema } from "./types";

interface FieldExtension {
  strategy?: "merge" | "merge,retainKeys" | "retainKeys" | "replace";
  key?: string;
  list?: "atomic" | "set" | "map";
  mapKeys?: string[];
}

const core = "io.k8s.api.core.v1.";
const meta = "io.k8s.apimachinery.pkg.apis.meta.v1.";
const atomic: FieldExtension = { list: "atomic" };
const mergeBy = (key: string, mapKeys: string[] = [key]): FieldExtension => ({ strategy: "merge", key, list: "map", mapKeys });
const conditions = mergeBy("type");

/** schema name → field → extension. */
export const FIELD_EXTENSIONS: Readonly<Record<string, Readonly<Record<string, FieldExtension>>>> = {
  // meta/v1
  [`${meta}ObjectMeta`]: { finalizers: { strategy: "merge", list: "set" }, ownerReferences: mergeBy("uid"), managedFields: atomic },
  [`${meta}LabelSelector`]: { matchExpressions: atomic },
  // The merge tag on a plain string is an upstream oddity, kept so patches match upstream's.
  [`${meta}LabelSelectorRequirement`]: { key: { strategy: "merge", key: "key" }, values: atomic },
  [`${meta}StatusDetails`]: { causes: atomic },
  [`${meta}DeleteOptions`]: { dryRun: atomic },

  // core/v1: pods and containers
  [`${core}PodSpec`]: {
    volumes: { strategy: "merge,retainKeys", key: "name", list: "map", mapKeys: ["name"] },
    initContainers: mergeBy("name"),
    containers: mergeBy("name"),
    ephemeralContainers: mergeBy("name"),
    imagePullSecrets: mergeBy("name"),
    tolerations: atomic,
    hostAliases: mergeBy("ip"),
    readinessGates: atomic,
    topologySpreadConstraints: mergeBy("topologyKey", ["topologyKey", "whenUnsatisfiable"]),
    schedulingGates: mergeBy("name"),
    resourceClaims: { strategy: "merge,retainKeys", key: "name", list: "map", mapKeys: ["name"] },
  },
  [`${core}PodStatus`]: {
    conditions,
    hostIPs: { strategy: "merge", key: "ip", list: "atomic" },
    podIPs: mergeBy("ip"),
    initContainerStatuses: atomic,
    containerStatuses: atomic,
    ephemeralContainerStatuses: atomic,
    resourceClaimStatuses: { strategy: "merge,retainKeys", key: "name", list: "map", mapKeys: ["name"] },
  },
  [`${core}Container`]: {
    command: atomic,
    args: atomic,
    ports: mergeBy("containerPort", ["containerPort", "protocol"]),
    envFrom: atomic,
    env: mergeBy("name"),
    resizePolicy: atomic,
    volumeMounts: mergeBy("mountPath"),
    volumeDevices: mergeBy("devicePath"),
  },
  [`${core}EphemeralContainer`]: {
    command: atomic,
    args: atomic,
    ports: mergeBy("containerPort", ["containerPort", "protocol"]),
    envFrom: atomic,
    env: mergeBy("name"),
    resizePolicy: atomic,
    volumeMounts: mergeBy("mountPath"),
    volumeDevices: mergeBy("devicePath"),
  },
  [`${core}ContainerStatus`]: { volumeMounts: mergeBy("mountPath") },
  [`${core}ResourceRequirements`]: { claims: { list: "map", mapKeys: ["name"] } },
  [`${core}Capabilities`]: { add: atomic, drop: atomic },
  [`${core}PodSecurityContext`]: { supplementalGroups: atomic, sysctls: atomic },
  [`${core}PodDNSConfig`]: { nameservers: atomic, searches: atomic, options: atomic },
  [`${core}ExecAction`]: { command: atomic },
  [`${core}HTTPGetAction`]: { httpHeaders: atomic },
  [`${core}TopologySpreadConstraint`]: { matchLabelKeys: atomic },
  [`${core}HostAlias`]: { hostnames: atomic },

  // core/v1: scheduling constraints
  [`${core}NodeSelector`]: { nodeSelectorTerms: atomic },
  [`${core}NodeSelectorTerm`]: { matchExpressions: atomic, matchFields: atomic },
  [`${core}NodeSelectorRequirement`]: { values: atomic },
  [`${core}NodeAffinity`]: { preferredDuringSchedulingIgnoredDuringExecution: atomic },
  [`${core}PodAffinity`]: { requiredDuringSchedulingIgnoredDuringExecution: atomic, preferredDuringSchedulingIgnoredDuringExecution: atomic },
  [`${core}PodAntiAffinity`]: { requiredDuringSchedulingIgnoredDuringExecution: atomic, preferredDuringSchedulingIgnoredDuringExecution: atomic },
  [`${core}PodAffinityTerm`]: { namespaces: atomic, matchLabelKeys: atomic, mismatchLabelKeys: atomic },
  [`${core}TopologySelectorTerm`]: { matchLabelExpressions: atomic },
  [`${core}TopologySelectorLabelRequirement`]: { values: atomic },

  // core/v1: volumes
  [`${core}ConfigMapVolumeSource`]: { items: atomic },
  [`${core}SecretVolumeSource`]: { items: atomic },
  [`${core}DownwardAPIVolumeSource`]: { items: atomic },
  [`${core}ProjectedVolumeSource`]: { sources: atomic },
  [`${core}ConfigMapProjection`]: { items: atomic },
  [`${core}SecretProjection`]: { items: atomic },
  [`${core}DownwardAPIProjection`]: { items: atomic },
  [`${core}PersistentVolumeClaimSpec`]: { accessModes: atomic },
  [`${core}PersistentVolumeClaimStatus`]: { accessModes: atomic, conditions },
  [`${core}CephFSVolumeSource`]: { monitors: atomic },
  [`${core}RBDVolumeSource`]: { monitors: atomic },
  [`${core}ISCSIVolumeSource`]: { portals: atomic },
  [`${core}FCVolumeSource`]: { targetWWNs: atomic, wwids: atomic },

  // core/v1: other kinds
  [`${core}ServiceSpec`]: {
    ports: mergeBy("port", ["port", "protocol"]),
    clusterIPs: atomic,
    externalIPs: atomic,
    loadBalancerSourceRanges: atomic,
    ipFamilies: atomic,
  },
  [`${core}ServiceStatus`]: { conditions },
  [`${core}LoadBalancerStatus`]: { ingress: atomic },
  [`${core}LoadBalancerIngress`]: { ports: atomic },
  [`${core}NodeSpec`]: { podCIDRs: { strategy: "merge", list: "set" }, taints: atomic },
  [`${core}NodeStatus`]: {
    conditions,
    addresses: mergeBy("type"),
    images: atomic,
    volumesInUse: atomic,
    volumesAttached: atomic,
    runtimeHandlers: atomic,
  },
  [`${core}ContainerImage`]: { names: atomic },
  [`${core}NamespaceSpec`]: { finalizers: atomic },
  [`${core}NamespaceStatus`]: { conditions },
  [`${core}ReplicationControllerStatus`]: { conditions },
  [`${core}ServiceAccount`]: { secrets: mergeBy("name"), imagePullSecrets: atomic },
  [`${core}Endpoints`]: { subsets: atomic },
  [`${core}EndpointSubset`]: { addresses: atomic, notReadyAddresses: atomic, ports: atomic },

  // discovery.k8s.io/v1
  "io.k8s.api.discovery.v1.EndpointSlice": { endpoints: atomic, ports: atomic },
  "io.k8s.api.discovery.v1.Endpoint": { addresses: { list: "set" } },
  "io.k8s.api.discovery.v1.EndpointHints": { forZones: atomic },

  // apps/v1
  "io.k8s.api.apps.v1.DeploymentSpec": { strategy: { strategy: "retainKeys" } },
  "io.k8s.api.apps.v1.DeploymentStatus": { conditions },
  "io.k8s.api.apps.v1.ReplicaSetStatus": { conditions },
  "io.k8s.api.apps.v1.DaemonSetStatus": { conditions },
  "io.k8s.api.apps.v1.StatefulSetStatus": { conditions },
  "io.k8s.api.apps.v1.StatefulSetSpec": { volumeClaimTemplates: atomic },

  // batch/v1
  "io.k8s.api.batch.v1.JobStatus": { conditions: { strategy: "merge", key: "type", list: "atomic" } },
  "io.k8s.api.batch.v1.CronJobStatus": { active: atomic },
  "io.k8s.api.batch.v1.PodFailurePolicy": { rules: atomic },
  "io.k8s.api.batch.v1.PodFailurePolicyRule": { onPodConditions: atomic },
  "io.k8s.api.batch.v1.PodFailurePolicyOnExitCodesRequirement": { values: { list: "set" } },
  "io.k8s.api.batch.v1.SuccessPolicy": { rules: atomic },
  "io.k8s.api.batch.v1.UncountedTerminatedPods": { succeeded: { list: "set" }, failed: { list: "set" } },

  // autoscaling/v2
  "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec": { metrics: atomic },
  "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus": { currentMetrics: atomic, conditions },
  "io.k8s.api.autoscaling.v2.HPAScalingRules": { policies: atomic },

  // policy/v1
  "io.k8s.api.policy.v1.PodDisruptionBudgetSpec": { selector: { strategy: "replace" } },
  "io.k8s.api.policy.v1.PodDisruptionBudgetStatus": { conditions },

  // certificates.k8s.io/v1
  "io.k8s.api.certificates.v1.CertificateSigningRequestSpec": { usages: atomic, groups: atomic },
  "io.k8s.api.certificates.v1.CertificateSigningRequestStatus": { conditions: { list: "map", mapKeys: ["type"] } },

  // rbac.authorization.k8s.io/v1: every list is atomic (a rule or subject list is replaced whole).
  "io.k8s.api.rbac.v1.PolicyRule": { verbs: atomic, apiGroups: atomic, resources: atomic, resourceNames: atomic, nonResourceURLs: atomic },
  "io.k8s.api.rbac.v1.Role": { rules: atomic },
  "io.k8s.api.rbac.v1.ClusterRole": { rules: atomic },
  "io.k8s.api.rbac.v1.AggregationRule": { clusterRoleSelectors: atomic },
  "io.k8s.api.rbac.v1.RoleBinding": { subjects: atomic },
  "io.k8s.api.rbac.v1.ClusterRoleBinding": { subjects: atomic },
};

/** Structs that are replaced whole, never merged field by field (`+structType=atomic`). */
export const ATOMIC_STRUCTS: readonly string[] = [
  `${meta}LabelSelector`,
  `${meta}OwnerReference`,
  `${core}NodeSelector`,
  `${core}NodeSelectorTerm`,
  `${core}TopologySelectorTerm`,
  `${core}LocalObjectReference`,
  `${core}ObjectReference`,
  `${core}TypedLocalObjectReference`,
  `${core}ConfigMapKeySelector`,
  `${core}SecretKeySelector`,
  `${core}ObjectFieldSelector`,
  `${core}ResourceFieldSelector`,
  `${core}SecretReference`,
  `${core}EndpointAddress`,
  `${core}EndpointPort`,
  `${core}ScopeSelector`,
  "io.k8s.api.autoscaling.v1.CrossVersionObjectReference",
  "io.k8s.api.rbac.v1.RoleRef",
  "io.k8s.api.rbac.v1.Subject",
];

/**
 * A copy of `schemas` with the extensions above written onto the fields they describe. Throws
 * when a listed schema or field does not exist, so a regenerated schema file that renamed
 * something cannot silently drop a merge key.
 */
export function withKubernetesExtensions(schemas: Readonly<Record<string, Schema>>): Record<string, Schema> {
  const out: Record<string, Schema> = structuredClone(schemas) as Record<string, Schema>;
  for (const [name, fields] of Object.entries(FIELD_EXTENSIONS)) {
    const props = out[name]?.properties;
    if (!props) throw new Error(`openapi extensions: schema ${name} is missing or has no properties`);
    for (const [field, ext] of Object.entries(fields)) {
      const p = props[field];
      if (!p) throw new Error(`openapi extensions: schema ${name} has no field "${field}"`);
      if (ext.strategy) p["x-kubernetes-patch-strategy"] = ext.strategy;
      if (ext.key) p["x-kubernetes-patch-merge-key"] = ext.key;
      if (ext.list) p["x-kubernetes-list-type"] = ext.list;
      if (ext.mapKeys) p["x-kubernetes-list-map-keys"] = [...ext.mapKeys];
    }
  }
  for (const name of ATOMIC_STRUCTS) {
    const s = out[name];
    if (!s) throw new Error(`openapi extensions: schema ${name} is missing`);
    s["x-kubernetes-map-type"] = "atomic";
  }
  return out;
}
