// Strategic-merge-patch metadata for the kinds Gantry serves: which lists merge by a key, which
// primitive lists merge as sets, which maps honour $retainKeys. Transcribed from the
// `patchStrategy` / `patchMergeKey` struct tags of k8s.io/api (core/v1, apps/v1, batch/v1,
// autoscaling/v2) and ObjectMeta in apimachinery.
//
// The table is a graph of struct schemas rather than a list of path patterns because one struct
// appears at many depths: a PodSpec is `spec` of a Pod, `spec.template.spec` of a Deployment and
// `spec.jobTemplate.spec.template.spec` of a CronJob. Fields not listed patch with the defaults:
// maps merge key by key, lists are replaced whole (atomic) — e.g. tolerations, node taints,
// container args and env `valueFrom` items, exactly as in Kubernetes.

export interface FieldPatchMeta {
  /**
   * "merge": a list of objects merges item by item on `mergeKey`; a list of primitives merges as
   * a set. "replace": a map is replaced whole instead of merged. Absent: maps merge, lists replace.
   */
  readonly strategy?: "merge" | "replace";
  /** The field identifying list items, e.g. `name` for containers. */
  readonly mergeKey?: string;
  /** Kubernetes tags this field `retainKeys` (clients send `$retainKeys` for it, e.g. Deployment strategy). */
  readonly retainKeys?: boolean;
  /** Schema of the map itself, or of each list item. */
  readonly fields?: PatchSchema;
}

export type PatchSchema = { readonly [field: string]: FieldPatchMeta };

const mergeBy = (mergeKey: string, fields?: PatchSchema): FieldPatchMeta => ({ strategy: "merge", mergeKey, fields });
const nested = (fields: PatchSchema): FieldPatchMeta => ({ fields });
const PRIMITIVE_SET: FieldPatchMeta = { strategy: "merge" };
const CONDITIONS = mergeBy("type");

const OBJECT_META: PatchSchema = {
  ownerReferences: mergeBy("uid"),
  finalizers: PRIMITIVE_SET,
};

const CONTAINER: PatchSchema = {
  ports: mergeBy("containerPort"),
  env: mergeBy("name"),
  volumeMounts: mergeBy("mountPath"),
  volumeDevices: mergeBy("devicePath"),
};

const POD_SPEC: PatchSchema = {
  volumes: { strategy: "merge", mergeKey: "name", retainKeys: true },
  initContainers: mergeBy("name", CONTAINER),
  containers: mergeBy("name", CONTAINER),
  ephemeralContainers: mergeBy("name", CONTAINER),
  imagePullSecrets: mergeBy("name"),
  hostAliases: mergeBy("ip"),
  topologySpreadConstraints: mergeBy("topologyKey"),
  schedulingGates: mergeBy("name"),
  resourceClaims: { strategy: "merge", mergeKey: "name", retainKeys: true },
};

const POD_STATUS: PatchSchema = {
  conditions: CONDITIONS,
  podIPs: mergeBy("ip"),
  hostIPs: mergeBy("ip"),
  resourceClaimStatuses: { strategy: "merge", mergeKey: "name", retainKeys: true },
};

const POD_TEMPLATE: FieldPatchMeta = nested({ metadata: nested(OBJECT_META), spec: nested(POD_SPEC) });
const STATUS_WITH_CONDITIONS = nested({ conditions: CONDITIONS });

/** A kind whose only patch metadata is its ObjectMeta. */
const PLAIN: PatchSchema = { metadata: nested(OBJECT_META) };

/** A workload: ObjectMeta, a pod template under spec.template, conditions in status. */
function workload(spec: PatchSchema = {}): PatchSchema {
  return { ...PLAIN, spec: nested({ template: POD_TEMPLATE, ...spec }), status: STATUS_WITH_CONDITIONS };
}

const SCHEMAS: Readonly<Record<string, PatchSchema>> = {
  Pod: { ...PLAIN, spec: nested(POD_SPEC), status: nested(POD_STATUS) },
  Deployment: workload({ strategy: { retainKeys: true } }),
  ReplicaSet: workload(),
  ReplicationController: workload(),
  DaemonSet: workload(),
  StatefulSet: workload(),
  Job: workload(),
  CronJob: {
    ...PLAIN,
    spec: nested({ jobTemplate: nested({ metadata: nested(OBJECT_META), spec: nested({ template: POD_TEMPLATE }) }) }),
  },
  Service: { ...PLAIN, spec: nested({ ports: mergeBy("port") }), status: STATUS_WITH_CONDITIONS },
  Node: {
    ...PLAIN,
    spec: nested({ podCIDRs: PRIMITIVE_SET }),
    status: nested({ conditions: CONDITIONS, addresses: mergeBy("type") }),
  },
  Namespace: { ...PLAIN, status: STATUS_WITH_CONDITIONS },
  ServiceAccount: { ...PLAIN, secrets: mergeBy("name") },
  HorizontalPodAutoscaler: { ...PLAIN, status: STATUS_WITH_CONDITIONS },
  ConfigMap: PLAIN,
  Secret: PLAIN,
  Endpoints: PLAIN,
  // endpoints, ports and addresses are atomic lists: a patch replaces them whole.
  EndpointSlice: PLAIN,
  Event: PLAIN,
  Lease: PLAIN,
  // autoscaling/v1 Scale, patched through the /scale subresource.
  Scale: PLAIN,
};

/** The patch schema of a kind, or undefined when strategic merge patch is not supported for it. */
export function patchSchemaFor(kind: string): PatchSchema | undefined {
  return Object.prototype.hasOwnProperty.call(SCHEMAS, kind) ? SCHEMAS[kind] : undefined;
}

/** Metadata of a field within a schema; fields without an entry get the defaults. */
export function fieldMeta(schema: PatchSchema | undefined, field: string): FieldPatchMeta {
  return schema && Object.prototype.hasOwnProperty.call(schema, field) ? schema[field] : {};
}

/**
 * Metadata at a path of field names (list indices omitted), e.g.
 * `patchMetaAt("Deployment", ["spec", "template", "spec", "containers", "env"])` → merge by name.
 * Useful to publish `x-kubernetes-patch-merge-key` in OpenAPI from the same table.
 */
export function patchMetaAt(kind: string, path: readonly string[]): FieldPatchMeta {
  let meta: FieldPatchMeta = { fields: patchSchemaFor(kind) };
  for (const field of path) meta = fieldMeta(meta.fields, field);
  return meta;
}
