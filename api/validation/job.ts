// Jobs: counts and deadlines are non-negative, the pod template restarts OnFailure or Never, and
// unless `manualSelector` is set the selector and template labels must be the generated ones
// (lifecycle adds them on create from the job's uid). After creation the selector, template,
// completions, completion mode and pod failure policy are fixed.

import { type FieldCause, child, immutable, invalid, nonNegative, notSupported, required, key } from "./field";
import { GoRepr, goLabelSelector, goStringMap } from "./go-format";
import { type Obj, isObj, obj, str, strMap } from "./json";
import { selectorMatcher, validateLabelSelector } from "./label-selector";
import { validateObjectMeta, validateObjectMetaUpdate } from "./meta";
import { isDNS1123Label, nameIsDNSSubdomain } from "./names";
import { validatePodTemplateSpec, validateTemplateLabelsMatch } from "./pod-template";

export const JOB_CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid";
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";
export const LEGACY_CONTROLLER_UID_LABEL = "controller-uid";
export const LEGACY_JOB_NAME_LABEL = "job-name";
const MAX_PARALLELISM_FOR_INDEXED_JOB = 100000;

/** Kubernetes' ValidateHasLabel on a template's metadata. */
function validateHasLabel(labels: unknown, field: string, labelKey: string, expected: string): FieldCause[] {
  const map = strMap(labels) ?? {};
  if (!(labelKey in map)) return [required(key(child(field, "labels"), labelKey), `must be '${expected}'`)];
  if (map[labelKey] !== expected) return [invalid(key(child(field, "labels"), labelKey), goStringMap(labels), `must be '${expected}'`)];
  return [];
}

function validateGeneratedSelector(job: Obj): FieldCause[] {
  const spec = obj(job.spec);
  if (spec.manualSelector === true || !isObj(spec.selector)) return [];
  const meta = obj(job.metadata);
  const uid = str(meta.uid);
  const name = str(meta.name);
  const causes: FieldCause[] = [];
  if (!uid) causes.push(required("metadata.uid"));
  const labels = obj(obj(spec.template).metadata).labels;
  causes.push(
    ...validateHasLabel(labels, "spec.template.metadata", JOB_CONTROLLER_UID_LABEL, uid),
    ...validateHasLabel(labels, "spec.template.metadata", JOB_NAME_LABEL, name),
  );
  const matcher = selectorMatcher(spec.selector);
  if (matcher && !matcher({ [JOB_CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: name })) {
    causes.push(invalid("spec.selector", goLabelSelector(spec.selector), "`selector` not auto-generated"));
  }
  return causes;
}

/** The JobSpec rules a CronJob's jobTemplate shares (no selector rules). */
export function validateJobSpecCommon(specValue: unknown, field: string): FieldCause[] {
  const spec = obj(specValue);
  const causes: FieldCause[] = [];
  for (const f of ["parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"]) {
    causes.push(...nonNegative(spec[f], child(field, f)));
  }
  if (typeof spec.completionMode === "string") {
    const mode = spec.completionMode;
    if (mode !== "NonIndexed" && mode !== "Indexed") causes.push(notSupported(child(field, "completionMode"), mode, ["NonIndexed", "Indexed"]));
    if (mode === "Indexed") {
      if (typeof spec.completions !== "number") causes.push(required(child(field, "completions"), "when completion mode is Indexed"));
      if (typeof spec.parallelism === "number" && spec.parallelism > MAX_PARALLELISM_FOR_INDEXED_JOB) {
        causes.push(invalid(child(field, "parallelism"), spec.parallelism, `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`));
      }
    }
  }
  const hasFailurePolicy = isObj(spec.podFailurePolicy);
  if (typeof spec.podReplacementPolicy === "string") {
    const policy = spec.podReplacementPolicy;
    if (hasFailurePolicy && policy !== "Failed") causes.push(notSupported(child(field, "podReplacementPolicy"), policy, ["Failed"]));
    else if (policy !== "Failed" && policy !== "TerminatingOrFailed") {
      causes.push(notSupported(child(field, "podReplacementPolicy"), policy, ["Failed", "TerminatingOrFailed"]));
    }
  }
  causes.push(...validatePodTemplateSpec(spec.template, child(field, "template")));
  const restartPolicy = str(obj(obj(spec.template).spec).restartPolicy);
  const restartPath = child(field, "template", "spec", "restartPolicy");
  if (restartPolicy === "Always" || restartPolicy === "") causes.push(required(restartPath, 'valid values: "OnFailure", "Never"'));
  else if (restartPolicy !== "OnFailure" && restartPolicy !== "Never") causes.push(notSupported(restartPath, restartPolicy, ["OnFailure", "Never"]));
  else if (hasFailurePolicy && restartPolicy !== "Never") {
    causes.push(invalid(restartPath, restartPolicy, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  return causes;
}

function validateJobSpec(specValue: unknown): FieldCause[] {
  const spec = obj(specValue);
  const causes = validateJobSpecCommon(spec, "spec");
  if (!isObj(spec.selector)) causes.push(required("spec.selector"));
  else causes.push(...validateLabelSelector(spec.selector, "spec.selector"));
  const matcher = selectorMatcher(spec.selector);
  if (matcher && isObj(spec.selector)) causes.push(...validateTemplateLabelsMatch(spec.template, matcher, "spec.template"));
  return causes;
}

export function validateJob(job: Obj): FieldCause[] {
  const causes = [...validateObjectMeta(job.metadata, true, nameIsDNSSubdomain), ...validateGeneratedSelector(job), ...validateJobSpec(job.spec)];
  const spec = obj(job.spec);
  if (spec.completionMode === "Indexed" && typeof spec.completions === "number" && spec.completions > 0) {
    // Indexed pods are named `<job>-<index>`, which must still be a DNS label.
    const name = str(obj(job.metadata).name);
    const hostname = `${name}-${spec.completions - 1}`;
    if (isDNS1123Label(hostname).length > 0) {
      causes.push(invalid("metadata.name", name, `will not able to create pod with invalid DNS label: ${hostname}`));
    }
  }
  return causes;
}

export function validateJobUpdate(next: Obj, prev: Obj): FieldCause[] {
  const spec = obj(next.spec);
  const old = obj(prev.spec);
  return [
    ...validateObjectMetaUpdate(next.metadata, prev.metadata),
    ...validateGeneratedSelector(next),
    ...validateJobSpec(spec),
    ...immutable(spec.completions, old.completions, "spec.completions"),
    ...immutable(spec.selector, old.selector, "spec.selector", goLabelSelector(spec.selector)),
    ...immutable(spec.template, old.template, "spec.template", new GoRepr(JSON.stringify(spec.template ?? null))),
    ...immutable(spec.completionMode, old.completionMode, "spec.completionMode"),
    ...immutable(spec.podFailurePolicy, old.podFailurePolicy, "spec.podFailurePolicy", new GoRepr(JSON.stringify(spec.podFailurePolicy ?? null))),
  ];
}
