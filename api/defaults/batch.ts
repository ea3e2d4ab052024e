// batch/v1 defaults (SetDefaults_Job, _CronJob). A Job's generated selector and labels need its
// uid, so they are added at create time by lifecycle (job-selector.ts), not here.

import { defaultPodTemplate } from "./pod-spec";
import { type Obj, ensureObj, isObj, setIfAbsent, setIfEmpty } from "./util";

const MAX_INT32 = 2147483647;

export function defaultJob(job: Obj): void {
  const spec = ensureObj(job, "spec");
  const unset = (k: string): boolean => spec[k] === undefined || spec[k] === null;
  // A non-parallel job may leave both unset; both become 1.
  if (unset("completions") && unset("parallelism")) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setIfAbsent(spec, "parallelism", 1);
  setIfAbsent(spec, "backoffLimit", unset("backoffLimitPerIndex") ? 6 : MAX_INT32);
  const templateLabels = isObj(spec.template) && isObj(spec.template.metadata) ? spec.template.metadata.labels : undefined;
  const meta = ensureObj(job, "metadata");
  if (isObj(templateLabels) && (!isObj(meta.labels) || Object.keys(meta.labels).length === 0)) meta.labels = { ...templateLabels };
  setIfAbsent(spec, "completionMode", "NonIndexed");
  setIfAbsent(spec, "suspend", false);
  setIfAbsent(spec, "manualSelector", false);
  setIfAbsent(spec, "podReplacementPolicy", isObj(spec.podFailurePolicy) ? "Failed" : "TerminatingOrFailed");
  defaultPodTemplate(spec.template);
}

export function defaultCronJob(cj: Obj): void {
  const spec = ensureObj(cj, "spec");
  setIfEmpty(spec, "concurrencyPolicy", "Allow");
  setIfAbsent(spec, "suspend", false);
  setIfAbsent(spec, "successfulJobsHistoryLimit", 3);
  setIfAbsent(spec, "failedJobsHistoryLimit", 1);
  // A jobTemplate is not a Job: only its pod template is defaulted (Job defaults apply per Job).
  if (isObj(spec.jobTemplate) && isObj(spec.jobTemplate.spec)) defaultPodTemplate(spec.jobTemplate.spec.template);
}
