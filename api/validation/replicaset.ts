// ReplicaSets (apps/v1, structured selector) and their legacy twin, ReplicationControllers
// (core/v1, a plain label map that defaults to the template's labels).

import { type FieldCause, child, forbidden, invalid, nonNegative, notSupported, required } from "./field";
import { goStringMap } from "./go-format";
import { type Obj, isObj, obj, str, strMap } from "./json";
import { validateObjectMeta, validateObjectMetaUpdate } from "./meta";
import { nameIsDNSSubdomain } from "./names";
import { validatePodTemplateSpec } from "./pod-template";
import { validateSelectorAndTemplate, validateSelectorImmutable } from "./workload-common";

function validateReplicaSetSpec(specValue: unknown): FieldCause[] {
  const spec = obj(specValue);
  return [
    ...nonNegative(spec.replicas, "spec.replicas"),
    ...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"),
    // Kubernetes' ReplicaSet validation really does say "deployment" here.
    ...validateSelectorAndTemplate(spec, "spec", "empty selector is invalid for deployment"),
  ];
}

export function validateReplicaSet(rs: Obj): FieldCause[] {
  return [...validateObjectMeta(rs.metadata, true, nameIsDNSSubdomain), ...validateReplicaSetSpec(rs.spec)];
}

export function validateReplicaSetUpdate(next: Obj, prev: Obj): FieldCause[] {
  return [
    ...validateObjectMetaUpdate(next.metadata, prev.metadata),
    ...validateReplicaSetSpec(next.spec),
    ...validateSelectorImmutable(next.spec, prev.spec),
  ];
}

function validateReplicationControllerSpec(specValue: unknown): FieldCause[] {
  const spec = obj(specValue);
  const selector = strMap(spec.selector) ?? {};
  const causes = [...nonNegative(spec.minReadySeconds, "spec.minReadySeconds")];
  if (Object.keys(selector).length === 0) causes.push(required("spec.selector"));
  causes.push(...nonNegative(spec.replicas, "spec.replicas"));
  if (!isObj(spec.template)) return [...causes, required("spec.template")];
  const labels = strMap(obj(spec.template.metadata).labels) ?? {};
  const matches = Object.entries(selector).every(([k, v]) => labels[k] === v);
  if (Object.keys(selector).length > 0 && !matches) {
    causes.push(invalid("spec.template.metadata.labels", goStringMap(obj(spec.template.metadata).labels), "`selector` does not match template `labels`"));
  }
  causes.push(...validatePodTemplateSpec(spec.template, "spec.template"));
  const tplSpec = obj(spec.template.spec);
  const restartPolicy = str(tplSpec.restartPolicy);
  if (restartPolicy !== "Always") causes.push(notSupported(child("spec.template", "spec", "restartPolicy"), restartPolicy, ["Always"]));
  if (tplSpec.activeDeadlineSeconds !== undefined && tplSpec.activeDeadlineSeconds !== null) {
    causes.push(forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in ReplicationController is not Supported"));
  }
  return causes;
}

export function validateReplicationController(rc: Obj): FieldCause[] {
  return [...validateObjectMeta(rc.metadata, true, nameIsDNSSubdomain), ...validateReplicationControllerSpec(rc.spec)];
}

export function validateReplicationControllerUpdate(next: Obj, prev: Obj): FieldCause[] {
  return [...validateObjectMetaUpdate(next.metadata, prev.metadata), ...validateReplicationControllerSpec(next.spec)];
}
