// Pod templates inside workloads. Beyond the PodSpec rules, a controller's template must carry
// labels its selector matches (otherwise it could never find the pods it creates), and
// long-running controllers insist on restartPolicy Always.

import { type FieldCause, child, forbidden, invalid, notSupported, required } from "./field";
import { goStringMap } from "./go-format";
import { isObj, obj, str } from "./json";
import { type SelectorMatcher } from "./label-selector";
import { validateAnnotations, validateLabels } from "./meta";
import { validatePodAnnotations } from "./pod";
import { type PodSpecOptions, validatePodSpec } from "./pod-spec";

export function validatePodTemplateSpec(template: unknown, field: string, opts: Partial<PodSpecOptions> = {}): FieldCause[] {
  const tpl = obj(template);
  const meta = obj(tpl.metadata);
  const spec = obj(tpl.spec);
  const causes = [
    ...validateLabels(meta.labels, child(field, "labels")),
    ...validateAnnotations(meta.annotations, child(field, "annotations")),
    ...validatePodAnnotations(meta.annotations, spec, child(field, "annotations")),
    ...validatePodSpec(spec, child(field, "spec"), { isPod: false, ...opts }),
  ];
  if (Array.isArray(spec.ephemeralContainers) && spec.ephemeralContainers.length > 0) {
    causes.push(forbidden(child(field, "spec", "ephemeralContainers"), "ephemeral containers not allowed in pod template"));
  }
  return causes;
}

/**
 * The "selector does not match template labels" rule. `matcher` undefined means the selector did
 * not parse (reported separately). A missing selector matches nothing, so it fails here too —
 * Kubernetes reports both "Required value" and the mismatch for it.
 */
export function validateTemplateLabelsMatch(template: unknown, matcher: SelectorMatcher | undefined, field: string): FieldCause[] {
  if (!matcher) return [];
  const labels = obj(obj(template).metadata).labels;
  const plain = isObj(labels) ? Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, str(v)])) : undefined;
  if (matcher(plain)) return [];
  return [invalid(child(field, "metadata", "labels"), goStringMap(labels), "`selector` does not match template `labels`")];
}

/** A long-running controller's template (ReplicaSet, Deployment, ReplicationController, DaemonSet). */
export function validateControllerTemplate(template: unknown, controllerKind: string, field: string): FieldCause[] {
  if (!isObj(template)) return [required(field)];
  const spec = obj(template.spec);
  const causes = validatePodTemplateSpec(template, field);
  const restartPolicy = str(spec.restartPolicy);
  if (restartPolicy !== "Always") causes.push(notSupported(child(field, "spec", "restartPolicy"), restartPolicy, ["Always"]));
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    causes.push(forbidden(child(field, "spec", "activeDeadlineSeconds"), `activeDeadlineSeconds in ${controllerKind} is not Supported`));
  }
  return causes;
}
