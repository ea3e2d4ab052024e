// CronJobs: a schedule that parses, a known concurrencyPolicy, a valid time zone, and a job
// template whose selector the Job will generate. Names are capped at 52 characters because the
// controller appends an 11-character `-<timestamp>` to name each Job.

import { cronScheduleError, isValidTimeZone } from "./cron-schedule";
import { type FieldCause, invalid, nonNegative, notSupported, required } from "./field";
import { GoRepr, goLabelSelector } from "./go-format";
import { type Obj, isObj, obj, str } from "./json";
import { validateJobSpecCommon } from "./job";
import { validateObjectMeta, validateObjectMetaUpdate } from "./meta";
import { nameIsDNSSubdomain } from "./names";

const POLICIES = ["Allow", "Forbid", "Replace"];
const MAX_CRONJOB_NAME = 52;

function validateTimeZone(tz: unknown, field: string): FieldCause[] {
  if (typeof tz !== "string") return [];
  if (tz.length === 0) return [invalid(field, tz, "timeZone must be nil or non-empty string")];
  if (tz.toLowerCase() === "local") return [invalid(field, tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones")];
  return isValidTimeZone(tz) ? [] : [invalid(field, tz, `unknown time zone ${tz}`)];
}

function validateCronJobSpec(specValue: unknown, oldSpec: Obj | undefined): FieldCause[] {
  const spec = obj(specValue);
  const causes: FieldCause[] = [];
  const schedule = str(spec.schedule);
  if (!schedule) causes.push(required("spec.schedule"));
  else {
    const err = cronScheduleError(schedule);
    if (err) causes.push(invalid("spec.schedule", schedule, err));
    if (schedule.includes("TZ") && typeof spec.timeZone === "string") {
      causes.push(invalid("spec.schedule", schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"));
    }
  }
  causes.push(...nonNegative(spec.startingDeadlineSeconds, "spec.startingDeadlineSeconds"));
  if (!oldSpec || oldSpec.timeZone !== spec.timeZone) causes.push(...validateTimeZone(spec.timeZone, "spec.timeZone"));
  const policy = str(spec.concurrencyPolicy);
  if (!policy) causes.push(required("spec.concurrencyPolicy"));
  else if (!POLICIES.includes(policy)) causes.push(notSupported("spec.concurrencyPolicy", policy, POLICIES));

  const jobSpec = obj(obj(spec.jobTemplate).spec);
  causes.push(...validateJobSpecCommon(jobSpec, "spec.jobTemplate.spec"));
  if (isObj(jobSpec.selector)) causes.push(invalid("spec.jobTemplate.spec.selector", goLabelSelector(jobSpec.selector), "`selector` will be auto-generated"));
  if (jobSpec.manualSelector === true) causes.push(notSupported("spec.jobTemplate.spec.manualSelector", new GoRepr("true"), ["nil", "false"]));
  causes.push(...nonNegative(spec.successfulJobsHistoryLimit, "spec.successfulJobsHistoryLimit"));
  causes.push(...nonNegative(spec.failedJobsHistoryLimit, "spec.failedJobsHistoryLimit"));
  return causes;
}

export function validateCronJob(cj: Obj): FieldCause[] {
  const causes = [...validateObjectMeta(cj.metadata, true, nameIsDNSSubdomain), ...validateCronJobSpec(cj.spec, undefined)];
  const name = str(obj(cj.metadata).name);
  if (name.length > MAX_CRONJOB_NAME) causes.push(invalid("metadata.name", name, `must be no more than ${MAX_CRONJOB_NAME} characters`));
  return causes;
}

/** Update skips the 52-character rule so older, longer-named CronJobs stay editable. */
export function validateCronJobUpdate(next: Obj, prev: Obj): FieldCause[] {
  return [...validateObjectMetaUpdate(next.metadata, prev.metadata), ...validateCronJobSpec(next.spec, obj(prev.spec))];
}
