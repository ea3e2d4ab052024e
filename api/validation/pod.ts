// Pods: create, update and status-update rules. A running pod's spec is almost immutable — only
// container images, a shorter activeDeadlineSeconds, added tolerations and removed scheduling
// gates may change — and the error lists the allowed fields plus what actually differed.

import { type FieldCause, child, deepEqual, forbidden, immutable, inclusiveRangeError, index, invalid, key, required } from "./field";
import { validateIP } from "./ip";
import { type Obj, arr, isObj, obj, objItems, str, strMap } from "./json";
import { validateObjectMeta, validateObjectMetaUpdate } from "./meta";
import { isQualifiedName, nameIsDNSSubdomain } from "./names";
import { validateEphemeralContainersUpdate } from "./ephemeral-containers";
import { describeDiff } from "./json-diff";
import { validatePodSpec } from "./pod-spec";
import { validateOnlyAddedTolerations } from "./scheduling";

const MAX_INT32 = 2147483647;
const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
const DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost";

export const UPDATABLE_POD_SPEC_FIELDS = [
  "`spec.containers[*].image`",
  "`spec.initContainers[*].image`",
  "`spec.activeDeadlineSeconds`",
  "`spec.tolerations` (only additions to existing tolerations)",
  "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
];

/** Annotations with pod-specific meaning. */
export function validatePodAnnotations(annotations: unknown, spec: Obj, field: string): FieldCause[] {
  const map = strMap(annotations) ?? {};
  const causes: FieldCause[] = [];
  if (MIRROR_ANNOTATION in map && !str(spec.nodeName)) {
    causes.push(invalid(key(field, MIRROR_ANNOTATION), map[MIRROR_ANNOTATION], "must set spec.nodeName if mirror pod annotation is set"));
  }
  const cost = map[DELETION_COST_ANNOTATION];
  if (cost !== undefined && (!/^[+-]?\d+$/.test(cost) || Math.abs(Number(cost)) > MAX_INT32 + (Number(cost) < 0 ? 1 : 0))) {
    causes.push(invalid(key(field, DELETION_COST_ANNOTATION), cost, "must be a 32bit integer"));
  }
  return causes;
}

function validatePodMetadataAndSpec(pod: Obj): FieldCause[] {
  const spec = obj(pod.spec);
  const causes = [
    ...validateObjectMeta(pod.metadata, true, nameIsDNSSubdomain),
    ...validatePodAnnotations(obj(pod.metadata).annotations, spec, "metadata.annotations"),
    ...validatePodSpec(spec, "spec", { isPod: true }),
  ];
  if (!str(spec.serviceAccountName)) {
    for (const [volume, vi] of objItems(spec.volumes)) {
      for (const [source, si] of objItems(obj(volume.projected).sources)) {
        if (isObj(source.serviceAccountToken)) {
          const path = child(index(child(index("spec.volumes", vi), "projected", "sources"), si), "serviceAccountToken");
          causes.push(forbidden(path, "must not be specified when serviceAccountName is not set"));
        }
      }
    }
  }
  for (const list of ["containers", "initContainers"]) {
    for (const [ctr, i] of objItems(spec[list])) {
      const image = str(ctr.image);
      if (image !== image.trim()) causes.push(invalid(child(index(`spec.${list}`, i), "image"), image, "must not have leading or trailing whitespace"));
    }
  }
  return causes;
}

export function validatePodCreate(pod: Obj): FieldCause[] {
  const spec = obj(pod.spec);
  const causes = validatePodMetadataAndSpec(pod);
  if (arr(spec.ephemeralContainers).length > 0) causes.push(forbidden("spec.ephemeralContainers", "cannot be set on create"));
  if (str(spec.nodeName) && arr(spec.schedulingGates).length > 0) {
    causes.push(forbidden("spec.nodeName", "cannot be set until all schedulingGates have been cleared"));
  }
  return causes;
}

/** Only image changes within an unchanged list of containers. */
function validateContainerUpdates(next: unknown, prev: unknown, field: string): { causes: FieldCause[]; stop: boolean } {
  if (arr(next).length !== arr(prev).length) return { causes: [forbidden(field, "pod updates may not add or remove containers")], stop: true };
  const causes: FieldCause[] = [];
  for (const [ctr, i] of objItems(next)) {
    const image = str(ctr.image);
    if (!image) causes.push(required(child(index(field, i), "image")));
    if (image !== image.trim()) causes.push(invalid(child(index(field, i), "image"), image, "must not have leading or trailing whitespace"));
  }
  return { causes, stop: false };
}


function validatePodSpecUpdate(next: Obj, prev: Obj): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const list of ["containers", "initContainers"]) {
    const r = validateContainerUpdates(next[list], prev[list], `spec.${list}`);
    causes.push(...r.causes);
    if (r.stop) return causes;
  }
  const newAds = next.activeDeadlineSeconds;
  const oldAds = prev.activeDeadlineSeconds;
  if (typeof newAds === "number") {
    if (newAds < 0 || newAds > MAX_INT32) return [...causes, invalid("spec.activeDeadlineSeconds", newAds, inclusiveRangeError(0, MAX_INT32))];
    if (typeof oldAds === "number" && oldAds < newAds) {
      return [...causes, invalid("spec.activeDeadlineSeconds", newAds, "must be less than or equal to previous value")];
    }
  } else if (typeof oldAds === "number") {
    causes.push(invalid("spec.activeDeadlineSeconds", null, "must not update from a positive integer to nil value"));
  }
  causes.push(...validateOnlyAddedTolerations(next.tolerations, prev.tolerations, "spec.tolerations"));
  const oldGates = new Set(arr(prev.schedulingGates).map((g) => str(obj(g).name)));
  objItems(next.schedulingGates).forEach(([gate, i]) => {
    if (!oldGates.has(str(gate.name))) {
      causes.push(forbidden(child(index("spec.schedulingGates", i), "name"), `only deletion is allowed, but found new scheduling gate '${str(gate.name)}'`));
    }
  });
  if (deepEqual(next, prev)) return causes;

  // Put the updatable fields back to their old values; whatever still differs is forbidden.
  const munged: Obj = structuredClone(next);
  for (const list of ["containers", "initContainers"]) {
    const oldList = arr(prev[list]);
    if (Array.isArray(munged[list])) munged[list] = arr(munged[list]).map((c, i) => ({ ...obj(c), image: obj(oldList[i]).image }));
  }
  munged.activeDeadlineSeconds = prev.activeDeadlineSeconds;
  munged.schedulingGates = prev.schedulingGates;
  munged.tolerations = prev.tolerations;
  const oldGrace = prev.terminationGracePeriodSeconds;
  if (typeof oldGrace === "number" && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = oldGrace;
  if (oldGates.size > 0) {
    // A gated pod is not scheduled yet, so its node selector may still grow.
    const oldSel = strMap(prev.nodeSelector) ?? {};
    const newSel = strMap(munged.nodeSelector) ?? {};
    if (Object.entries(oldSel).every(([k, v]) => newSel[k] === v)) munged.nodeSelector = prev.nodeSelector;
    else causes.push(invalid("spec.nodeSelector", newSel, "only additions to spec.nodeSelector are allowed (no mutations or deletions)"));
  }
  if (!deepEqual(munged, prev)) {
    const diff = describeDiff(prev, munged).join("\n");
    causes.push(forbidden("spec", `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(",")}\n${diff}`));
  }
  return causes;
}

/** A write through pods/ephemeralcontainers: only ephemeral containers were added (see ephemeral-containers.ts). */
export function validatePodEphemeralContainersUpdate(next: Obj, prev: Obj): FieldCause[] {
  const causes = [...validateObjectMetaUpdate(next.metadata, prev.metadata), ...validatePodMetadataAndSpec(next)];
  const added = validateEphemeralContainersUpdate(next, prev);
  // A static pod's refusal replaces every other cause, as upstream's does.
  if (added.length === 1 && added[0].field === "") return added;
  return [...causes, ...added];
}

export function validatePodUpdate(next: Obj, prev: Obj): FieldCause[] {
  return [
    ...validateObjectMetaUpdate(next.metadata, prev.metadata),
    ...validatePodMetadataAndSpec(next),
    ...validatePodSpecUpdate(obj(next.spec), obj(prev.spec)),
  ];
}

const SYSTEM_CONDITIONS = new Set(["PodScheduled", "Ready", "Initialized"]);

/** Status writes (the agent's): node assignment and QoS cannot change, IPs must be IPs. */
export function validatePodStatusUpdate(next: Obj, prev: Obj): FieldCause[] {
  const causes = validateObjectMetaUpdate(next.metadata, prev.metadata);
  const status = obj(next.status);
  for (const [cond, i] of objItems(status.conditions)) {
    const type = str(cond.type);
    if (SYSTEM_CONDITIONS.has(type)) continue;
    for (const msg of isQualifiedName(type)) causes.push(invalid(child(index("metadata.conditions", i), "Type"), type, msg));
  }
  if (str(obj(next.spec).nodeName) !== str(obj(prev.spec).nodeName)) causes.push(forbidden("status.nodeName", "may not be changed directly"));
  causes.push(...immutable(str(status.qosClass), str(obj(prev.status).qosClass), "status.qosClass"));
  for (const list of ["podIPs", "hostIPs"]) {
    for (const [entry, i] of objItems(status[list])) causes.push(...validateIP(str(entry.ip), index(`status.${list}`, i)));
  }
  causes.push(...validateEphemeralStateTransitions(status.ephemeralContainerStatuses, obj(prev.status).ephemeralContainerStatuses));
  return causes;
}

/** Ephemeral containers never restart (an implicit restartPolicy Never): terminated stays terminated. */
function validateEphemeralStateTransitions(next: unknown, prev: unknown): FieldCause[] {
  const causes: FieldCause[] = [];
  const now = objItems(next);
  for (const [old, i] of objItems(prev)) {
    if (!isObj(obj(old.state).terminated)) continue;
    for (const [status] of now) {
      if (str(status.name) === str(old.name) && !isObj(obj(status.state).terminated)) {
        causes.push(forbidden(child(index("status.ephemeralContainerStatuses", i), "state"), "may not be transitioned to non-terminated state"));
      }
    }
  }
  return causes;
}
