// Entry points: validateCreate and validateUpdate return Kubernetes-style causes (empty = valid)
// for the kinds in api/resources.ts. The apiserver turns a non-empty list into a 422 with
// `errors.invalid(group, kind, name, causes)`.
//
// Order matters, as in Kubernetes: defaults first (api/defaults), then lifecycle's prepareFor*
// (name generation, uid, system fields), then validation. Validating an undefaulted object
// reports the defaulted fields as missing (e.g. `spec.dnsPolicy: Required value`).
// HorizontalPodAutoscalers are accepted in autoscaling/v2 (storage) or v1 shape.

import type { StatusCause } from "../errors";
import type { KubeObject } from "../object";
import {
  validateClusterRole,
  validateClusterRoleBinding,
  validateClusterRoleBindingUpdate,
  validateClusterRoleUpdate,
  validateRole,
  validateRoleBinding,
  validateRoleBindingUpdate,
  validateRoleUpdate,
} from "../rbac/validation";
import { RESOURCES } from "../resources";
import { validateConfigMap, validateConfigMapUpdate, validateSecret, validateSecretUpdate } from "./config-data";
import { validateCronJob, validateCronJobUpdate } from "./cronjob";
import { validateCsr, validateCsrApprovalUpdate, validateCsrStatusUpdate, validateCsrUpdate } from "./csr";
import { validateDaemonSet, validateDaemonSetUpdate } from "./daemonset";
import { validateDeployment, validateDeploymentUpdate } from "./deployment";
import { validateEndpoints } from "./endpoints";
import { validateEndpointSlice, validateEndpointSliceUpdate } from "./endpointslice";
import { validateEvent, validateEventLegacy } from "./event";
import { type FieldCause, dedupe, invalid, nonNegative } from "./field";
import { validateHPA } from "./hpa";
import { type Obj, obj } from "./json";
import { validateJob, validateJobUpdate } from "./job";
import { validateLease } from "./lease";
import { validateObjectMeta, validateObjectMetaUpdate } from "./meta";
import { nameIsPathSegment } from "./names";
import { validateNamespace, validateNamespaceFinalizeUpdate, validateNamespaceStatusUpdate, validateNamespaceUpdate } from "./namespace";
import { validateNode, validateNodeUpdate } from "./node";
import { validatePodCreate, validatePodEphemeralContainersUpdate, validatePodStatusUpdate, validatePodUpdate } from "./pod";
import { validateReplicaSet, validateReplicaSetUpdate, validateReplicationController, validateReplicationControllerUpdate } from "./replicaset";
import { validateService, validateServiceUpdate } from "./service";
import { validateServiceAccount } from "./service-account";
import { validateStatefulSet, validateStatefulSetUpdate } from "./statefulset";

export type { FieldCause } from "./field";
export type UpdateSubresource = "status" | "finalize" | "approval" | "ephemeralcontainers";

type Create = (o: Obj) => FieldCause[];
type Update = (next: Obj, prev: Obj) => FieldCause[];

/** Most kinds' update rule: what metadata may not change, plus the create rules on the new object. */
const metaUpdateThen =
  (create: Create): Update =>
  (next, prev) => [...validateObjectMetaUpdate(next.metadata, prev.metadata), ...create(next)];

interface KindRules {
  create: Create;
  update: Update;
  status?: Update;
  /** certificatesigningrequests/approval */
  approval?: Update;
}

/** Status counters of the workloads must not be negative, and collisionCount only grows. */
const workloadStatus: Update = (next, prev) => {
  const status = obj(next.status);
  const causes = validateObjectMetaUpdate(next.metadata, prev.metadata);
  for (const [k, v] of Object.entries(status)) causes.push(...nonNegative(v, `status.${k}`));
  const oldCount = obj(prev.status).collisionCount;
  if (typeof oldCount === "number" && (typeof status.collisionCount !== "number" || status.collisionCount < oldCount)) {
    causes.push(invalid("status.collisionCount", typeof status.collisionCount === "number" ? status.collisionCount : 0, "cannot be decremented"));
  }
  return causes;
};

const RULES: Readonly<Record<string, KindRules>> = {
  Namespace: { create: validateNamespace, update: validateNamespaceUpdate, status: validateNamespaceStatusUpdate },
  Node: { create: validateNode, update: validateNodeUpdate, status: validateNodeUpdate },
  Pod: { create: validatePodCreate, update: validatePodUpdate, status: validatePodStatusUpdate },
  Service: { create: validateService, update: validateServiceUpdate },
  Endpoints: { create: validateEndpoints, update: metaUpdateThen(validateEndpoints) },
  ConfigMap: { create: validateConfigMap, update: validateConfigMapUpdate },
  Secret: { create: validateSecret, update: validateSecretUpdate },
  // core/v1 events only get the legacy rules on update, plus what metadata may not change.
  Event: { create: validateEvent, update: (n, p) => [...validateObjectMetaUpdate(n.metadata, p.metadata), ...validateEventLegacy(n)] },
  ServiceAccount: { create: validateServiceAccount, update: metaUpdateThen(validateServiceAccount) },
  ReplicationController: { create: validateReplicationController, update: validateReplicationControllerUpdate, status: workloadStatus },
  Deployment: { create: validateDeployment, update: validateDeploymentUpdate, status: workloadStatus },
  ReplicaSet: { create: validateReplicaSet, update: validateReplicaSetUpdate, status: workloadStatus },
  DaemonSet: { create: validateDaemonSet, update: validateDaemonSetUpdate, status: workloadStatus },
  StatefulSet: { create: validateStatefulSet, update: validateStatefulSetUpdate, status: workloadStatus },
  Job: { create: validateJob, update: validateJobUpdate, status: workloadStatus },
  CronJob: { create: validateCronJob, update: validateCronJobUpdate },
  HorizontalPodAutoscaler: { create: validateHPA, update: metaUpdateThen(validateHPA), status: workloadStatus },
  Lease: { create: validateLease, update: metaUpdateThen(validateLease) },
  CertificateSigningRequest: { create: validateCsr, update: validateCsrUpdate, status: validateCsrStatusUpdate, approval: validateCsrApprovalUpdate },
  Role: { create: validateRole, update: validateRoleUpdate },
  ClusterRole: { create: validateClusterRole, update: validateClusterRoleUpdate },
  RoleBinding: { create: validateRoleBinding, update: validateRoleBindingUpdate },
  ClusterRoleBinding: { create: validateClusterRoleBinding, update: validateClusterRoleBindingUpdate },
  EndpointSlice: { create: validateEndpointSlice, update: (n, p) => [...validateObjectMetaUpdate(n.metadata, p.metadata), ...validateEndpointSliceUpdate(n, p)] },
};

/** Kinds without specific rules still get the generic metadata rules. */
function genericRules(kind: string): KindRules {
  const namespaced = RESOURCES.find((r) => r.kind === kind)?.namespaced ?? true;
  const create: Create = (o) => validateObjectMeta(o.metadata, namespaced, nameIsPathSegment);
  return { create, update: metaUpdateThen(create) };
}

const asObj = (o: KubeObject): Obj => o as unknown as Obj;

/** Causes for a new object of `kind` (already defaulted and prepared for create). */
export function validateCreate(kind: string, object: KubeObject): StatusCause[] {
  const rules = RULES[kind] ?? genericRules(kind);
  return dedupe(rules.create(asObj(object)));
}

/**
 * Causes for replacing `oldObj` by `newObj`. `subresource` selects the /status, /finalize
 * (Namespace only) or /ephemeralcontainers (Pod only) rules; without it the main resource's apply.
 */
export function validateUpdate(kind: string, newObj: KubeObject, oldObj: KubeObject, subresource?: UpdateSubresource): StatusCause[] {
  const rules = RULES[kind] ?? genericRules(kind);
  const next = asObj(newObj);
  const prev = asObj(oldObj);
  if (subresource === "finalize" && kind === "Namespace") return dedupe(validateNamespaceFinalizeUpdate(next, prev));
  if (subresource === "ephemeralcontainers" && kind === "Pod") return dedupe(validatePodEphemeralContainersUpdate(next, prev));
  if (subresource === "approval" && rules.approval) return dedupe(rules.approval(next, prev));
  if (subresource === "status") {
    return dedupe((rules.status ?? ((n: Obj, p: Obj) => validateObjectMetaUpdate(n.metadata, p.metadata)))(next, prev));
  }
  return dedupe(rules.update(next, prev));
}
