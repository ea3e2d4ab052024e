// StatefulSets. Names are DNS labels because each pod is `<name>-<ordinal>` and becomes a
// hostname. Only replicas, ordinals, the template, the update strategy, the PVC retention policy
// and minReadySeconds may change after creation.
//
// Kubernetes checks only labels and annotations of a StatefulSet's template, because mounts may
// name volumeClaimTemplates rather than volumes. Gantry validates the whole template, counting
// the claim templates as volumes, so a missing image is refused here instead of by every pod.

import { type FieldCause, child, deepEqual, forbidden, invalid, nonNegative, notSupported, required } from "./field";
import { GoRepr, goLabelSelector } from "./go-format";
import { type Obj, arr, isObj, obj, str } from "./json";
import { isEmptySelector, selectorMatcher, validateLabelSelector } from "./label-selector";
import { validateObjectMeta, validateObjectMetaUpdate } from "./meta";
import { nameIsDNSLabel } from "./names";
import { validatePodTemplateSpec, validateTemplateLabelsMatch } from "./pod-template";
import { intOrPercentValue, intOrStringRepr, isNotMoreThan100Percent, validatePositiveIntOrPercent } from "./workload-common";

const RETENTION = ["Retain", "Delete"];

function validateUpdateStrategy(strategy: unknown, field: string): FieldCause[] {
  const s = obj(strategy);
  switch (str(s.type)) {
    case "":
      return [required(field)];
    case "OnDelete":
      return isObj(s.rollingUpdate)
        ? [invalid(child(field, "rollingUpdate"), new GoRepr(JSON.stringify(s.rollingUpdate)), "only allowed for updateStrategy 'RollingUpdate'")]
        : [];
    case "RollingUpdate": {
      if (!isObj(s.rollingUpdate)) return [];
      const ru = s.rollingUpdate;
      const path = child(field, "rollingUpdate");
      const causes = nonNegative(ru.partition, child(path, "partition"));
      if (ru.maxUnavailable !== undefined && ru.maxUnavailable !== null) {
        const mu = child(path, "maxUnavailable");
        causes.push(...validatePositiveIntOrPercent(ru.maxUnavailable, mu));
        if (intOrPercentValue(ru.maxUnavailable) === 0) causes.push(invalid(mu, intOrStringRepr(ru.maxUnavailable), "cannot be 0"));
        causes.push(...isNotMoreThan100Percent(ru.maxUnavailable, mu));
      }
      return causes;
    }
    default:
      return [invalid(field, new GoRepr(JSON.stringify(s)), "must be 'RollingUpdate' or 'OnDelete'")];
  }
}

function validateStatefulSetSpec(specValue: unknown): FieldCause[] {
  const spec = obj(specValue);
  const causes: FieldCause[] = [];
  const policy = str(spec.podManagementPolicy);
  if (!policy) causes.push(required("spec.podManagementPolicy"));
  else if (policy !== "OrderedReady" && policy !== "Parallel") {
    causes.push(invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'"));
  }
  causes.push(...validateUpdateStrategy(spec.updateStrategy, "spec.updateStrategy"));
  if (isObj(spec.persistentVolumeClaimRetentionPolicy)) {
    for (const f of ["whenDeleted", "whenScaled"]) {
      const v = str(spec.persistentVolumeClaimRetentionPolicy[f]);
      if (!RETENTION.includes(v)) causes.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${f}`, v, RETENTION));
    }
  }
  causes.push(...nonNegative(spec.replicas, "spec.replicas"), ...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"));
  if (isObj(spec.ordinals)) causes.push(...nonNegative(spec.ordinals.start, "spec.ordinals.start"));
  if (!isObj(spec.selector)) causes.push(required("spec.selector"));
  else {
    causes.push(...validateLabelSelector(spec.selector, "spec.selector"));
    if (isEmptySelector(spec.selector)) causes.push(invalid("spec.selector", goLabelSelector(spec.selector), "empty selector is invalid for statefulset"));
  }
  const matcher = selectorMatcher(spec.selector);
  if (!matcher) causes.push(invalid("spec.selector", goLabelSelector(spec.selector), ""));
  else {
    const claims = arr(spec.volumeClaimTemplates).map((c) => str(obj(obj(c).metadata).name)).filter(Boolean);
    causes.push(...validateTemplateLabelsMatch(spec.template, matcher, "spec.template"));
    causes.push(...validatePodTemplateSpec(spec.template, "spec.template", { extraVolumes: claims }));
  }
  const tplSpec = obj(obj(spec.template).spec);
  const restartPolicy = str(tplSpec.restartPolicy);
  if (restartPolicy !== "Always") causes.push(notSupported("spec.template.spec.restartPolicy", restartPolicy, ["Always"]));
  if (tplSpec.activeDeadlineSeconds !== undefined && tplSpec.activeDeadlineSeconds !== null) {
    causes.push(forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in StatefulSet is not Supported"));
  }
  return causes;
}

export function validateStatefulSet(sts: Obj): FieldCause[] {
  return [...validateObjectMeta(sts.metadata, true, nameIsDNSLabel), ...validateStatefulSetSpec(sts.spec)];
}

const MUTABLE_SPEC_FIELDS = ["replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"];

export function validateStatefulSetUpdate(next: Obj, prev: Obj): FieldCause[] {
  const causes = [...validateObjectMetaUpdate(next.metadata, prev.metadata), ...validateStatefulSetSpec(next.spec)];
  const strip = (spec: unknown): Obj => {
    const copy = { ...obj(spec) };
    for (const f of MUTABLE_SPEC_FIELDS) delete copy[f];
    return copy;
  };
  if (!deepEqual(strip(next.spec), strip(prev.spec))) {
    causes.push(
      forbidden(
        "spec",
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return causes;
}
