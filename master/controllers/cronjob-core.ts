// The CronJob controller's decisions, with no I/O (cronjob.ts carries them out). Given a
// CronJob, the Jobs it owns and the time, one pass says: which Jobs left or joined the active
// list, whether a run is due now (and the Job to create for it), which Jobs to delete
// (concurrencyPolicy Replace, history limits), the events, and when the next run is due.
//
// A run is due when a fire time of the schedule lies after the last one acted on
// (status.lastScheduleTime, else the CronJob's creation) and not later than now; only the most
// recent such time is run, and only within startingDeadlineSeconds of it. Its Job is named
// `<cronjob>-<fire time in minutes since the epoch>`, so two passes, or two masters, can never
// create two Jobs for one fire time.

import type { CronJob, CronJobStatus } from "kubernetes-types/batch/v1";
import type { ObjectReference } from "kubernetes-types/core/v1";
import type { KubeObject } from "../../api/object";
import { canonicalJson, newControllerRef, timestamp, type PlannedEvent } from "./controller-utils";
import { formatInZone, parseCronSchedule, scheduleWindow } from "./cron-schedule";
import type { JobObject } from "./job-core";

export type CronJobObject = CronJob & KubeObject;

export const SCHEDULED_TIMESTAMP_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp";
/** Fire times are re-checked a little after they are due, so the clock has surely passed them. */
const NEXT_RUN_MARGIN_MS = 100;

export interface CronJobPlan {
  /** Delete these first. */
  deleteJobs: { job: JobObject; why: "replace" | "history" }[];
  /** Then create this Job for `scheduledTime`; on success add it to status.active. */
  create?: { job: KubeObject; scheduledTime: Date };
  /** Status before the create (undefined: nothing changed). */
  status?: CronJobStatus;
  events: PlannedEvent[];
  requeueAfterMs?: number;
}

/** `<cronjob>-<minutes since the epoch>` (Kubernetes' getJobName). */
export function jobNameFor(cronJobName: string, scheduledTime: Date): string {
  return `${cronJobName}-${Math.floor(scheduledTime.getTime() / 60_000)}`;
}

export function jobFinishedCondition(job: JobObject): "Complete" | "Failed" | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === "Complete" || c.type === "Failed") && c.status === "True") return c.type;
  }
  return undefined;
}

export function jobRef(job: JobObject): ObjectReference {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    name: job.metadata.name,
    namespace: job.metadata.namespace,
    uid: job.metadata.uid,
    resourceVersion: job.metadata.resourceVersion,
  };
}

/** The Job for one run: the CronJob's jobTemplate, owned by the CronJob. */
export function jobFromTemplate(cj: CronJobObject, scheduledTime: Date, timeZone: string): KubeObject {
  const template = structuredClone(cj.spec?.jobTemplate ?? {});
  const annotations = { ...(template.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: formatInZone(scheduledTime, timeZone) };
  const metadata: KubeObject["metadata"] = {
    name: jobNameFor(cj.metadata.name ?? "", scheduledTime),
    namespace: cj.metadata.namespace,
    annotations,
    ownerReferences: [newControllerRef(cj, { apiVersion: "batch/v1", kind: "CronJob" })],
  };
  if (template.metadata?.labels) metadata.labels = { ...template.metadata.labels };
  return { apiVersion: "batch/v1", kind: "Job", metadata, spec: (template.spec ?? {}) as Record<string, unknown> };
}

function startTimeOf(job: JobObject): number {
  return Date.parse(job.status?.startTime ?? "") || Infinity;
}

function statusEquals(a: CronJobStatus | undefined, b: CronJobStatus): boolean {
  return canonicalJson(a ?? {}) === canonicalJson(b);
}

export interface CronJobInput {
  cj: CronJobObject;
  /** Jobs whose controller is this CronJob (fresh enough to include the ones it just made). */
  jobs: JobObject[];
  now: Date;
}

export function planCronJob({ cj, jobs, now }: CronJobInput): CronJobPlan {
  const plan: CronJobPlan = { deleteJobs: [], events: [] };
  const status: CronJobStatus = structuredClone(cj.status ?? {});
  const active = new Map((status.active ?? []).map((r) => [r.uid ?? "", r]));
  const byUid = new Map(jobs.map((j) => [j.metadata.uid ?? "", j]));

  // Reconcile the active list with the Jobs that exist.
  for (const job of jobs) {
    const uid = job.metadata.uid ?? "";
    const finished = jobFinishedCondition(job);
    if (!active.has(uid) && !finished) {
      // Ours but unlisted: a crash between creating it and writing status, or a Job made by hand
      // with us as controller. Listing it keeps concurrencyPolicy honest.
      plan.events.push({ type: "Warning", reason: "UnexpectedJob", message: `Saw a job that the controller did not create or forgot: ${job.metadata.name}` });
      active.set(uid, jobRef(job));
    } else if (active.has(uid) && finished) {
      active.delete(uid);
      plan.events.push({ type: "Normal", reason: "SawCompletedJob", message: `Saw completed job: ${job.metadata.name}, condition: ${finished}` });
    }
    if (finished === "Complete" && job.status?.completionTime) {
      const last = Date.parse(status.lastSuccessfulTime ?? "");
      if (!Number.isFinite(last) || Date.parse(job.status.completionTime) > last) status.lastSuccessfulTime = job.status.completionTime;
    }
  }
  for (const [uid, ref] of [...active]) {
    if (byUid.has(uid)) continue;
    active.delete(uid);
    plan.events.push({ type: "Normal", reason: "MissingJob", message: `Active job went missing: ${ref.name}` });
  }

  const finish = (): CronJobPlan => {
    if (active.size > 0) status.active = [...active.values()];
    else delete status.active;
    if (!statusEquals(cj.status, status)) plan.status = status;
    return plan;
  };

  if (cj.metadata.deletionTimestamp) return finish();
  cleanupHistory(cj, jobs, plan, active);
  if (cj.spec?.suspend) return finish();

  let schedule;
  try {
    schedule = parseCronSchedule(cj.spec?.schedule ?? "", cj.spec?.timeZone ?? undefined);
  } catch (err) {
    const message = (err as Error).message;
    if (cj.spec?.timeZone && message.startsWith("unknown time zone")) {
      plan.events.push({ type: "Warning", reason: "UnknownTimeZone", message: `invalid timeZone: ${JSON.stringify(cj.spec.timeZone)}: ${message}` });
    } else {
      plan.events.push({ type: "Warning", reason: "UnparseableSchedule", message: `unparseable schedule: ${JSON.stringify(cj.spec?.schedule ?? "")} : ${message}` });
    }
    return finish();
  }

  let earliest = Date.parse(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? "");
  if (!Number.isFinite(earliest)) earliest = now.getTime();
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (typeof deadline === "number") earliest = Math.max(earliest, now.getTime() - deadline * 1000);
  const window = scheduleWindow(schedule, new Date(earliest), now);
  const requeueForNext = () => {
    if (window.next) plan.requeueAfterMs = Math.max(0, window.next.getTime() - now.getTime()) + NEXT_RUN_MARGIN_MS;
  };
  requeueForNext();
  if (window.missed > 100) {
    plan.events.push({
      type: "Warning",
      reason: "TooManyMissedTimes",
      message: `too many missed start times: ${window.missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`,
    });
  }
  const scheduled = window.mostRecent;
  if (!scheduled) return finish();
  if (typeof deadline === "number" && scheduled.getTime() + deadline * 1000 < now.getTime()) {
    plan.events.push({ type: "Warning", reason: "MissSchedule", message: `Missed scheduled time to start a job: ${formatInZone(scheduled, schedule.timeZone)}` });
    return finish();
  }
  const name = jobNameFor(cj.metadata.name ?? "", scheduled);
  if (status.lastScheduleTime === timestamp(scheduled) || jobs.some((j) => j.metadata.name === name)) return finish();

  const policy = cj.spec?.concurrencyPolicy ?? "Allow";
  if (policy === "Forbid" && active.size > 0) {
    // The run stays due: it starts when the active Job finishes, if still within the deadline.
    plan.events.push({ type: "Normal", reason: "JobAlreadyActive", message: "Not starting job because prior execution is running and concurrency policy is Forbid" });
    return finish();
  }
  if (policy === "Replace") {
    for (const [uid] of [...active]) {
      const job = byUid.get(uid);
      if (!job) continue;
      plan.deleteJobs.push({ job, why: "replace" });
      active.delete(uid);
    }
  }
  plan.create = { job: jobFromTemplate(cj, scheduled, schedule.timeZone), scheduledTime: scheduled };
  return finish();
}

/** Status after the run's Job was created (or found already created by us). */
export function statusWithRun(status: CronJobStatus | undefined, job: JobObject, scheduledTime: Date): CronJobStatus {
  const next: CronJobStatus = structuredClone(status ?? {});
  const refs = (next.active ?? []).filter((r) => r.uid !== job.metadata.uid);
  if (!jobFinishedCondition(job)) refs.push(jobRef(job));
  if (refs.length > 0) next.active = refs;
  else delete next.active;
  next.lastScheduleTime = timestamp(scheduledTime);
  return next;
}

/** successfulJobsHistoryLimit / failedJobsHistoryLimit: delete the oldest finished Jobs beyond them. */
function cleanupHistory(cj: CronJobObject, jobs: JobObject[], plan: CronJobPlan, active: Map<string, ObjectReference>): void {
  const limits: ["Complete" | "Failed", number | undefined][] = [
    ["Complete", cj.spec?.successfulJobsHistoryLimit ?? undefined],
    ["Failed", cj.spec?.failedJobsHistoryLimit ?? undefined],
  ];
  for (const [kind, limit] of limits) {
    if (limit === undefined || limit === null) continue;
    const finished = jobs
      .filter((j) => jobFinishedCondition(j) === kind && !j.metadata.deletionTimestamp)
      .sort((a, b) => startTimeOf(a) - startTimeOf(b) || ((a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : 1));
    for (const job of finished.slice(0, Math.max(0, finished.length - limit))) {
      plan.deleteJobs.push({ job, why: "history" });
      active.delete(job.metadata.uid ?? "");
    }
  }
}
