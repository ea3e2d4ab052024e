// The Job controller's decisions, with no I/O (job.ts carries them out). One call looks at a
// Job, the pods it owns and the time, and returns the next step: pods to create or delete, the
// status to write, the pods whose tracking finalizer may go, events, and when to look again.
//
// Counting pods exactly once — the `batch.kubernetes.io/job-tracking` finalizer, as Kubernetes
// does since 1.26. Every pod is created with the finalizer, so a finished pod cannot vanish
// before it is counted. A finished pod (or one being deleted: it counts as failed) is counted in
// three steps that survive a crash between any two:
//   1. its uid goes into status.uncountedTerminatedPods (written first);
//   2. its finalizer is removed;
//   3. a later pass sees the uid without a pod holding the finalizer and moves it into
//      status.succeeded / status.failed.
// Indexed jobs record succeeded pods in status.completedIndexes at step 1 instead.
//
// Finishing, as in Kubernetes 1.32: when the job succeeds it first gets SuccessCriteriaMet, when
// it fails FailureTarget (its active pods are deleted then); Complete (with completionTime) or
// Failed follow once nothing is left uncounted and no pod is still terminating.

import type { Job, JobCondition, JobStatus } from "kubernetes-types/batch/v1";
import type { KubeObject } from "../../api/object";
import { canonicalJson, isPodActive, isPodReady, timestamp, type PlannedEvent, type PodObject } from "./controller-utils";
import {
  DEFAULT_JOB_TIMINGS,
  backoffRemainingMs,
  completionIndexOf,
  conditionTrue,
  deletionRank,
  formatIndexes,
  hasFinalizer,
  isJobFinished,
  isPodFailedForJob,
  isTerminating,
  newJobPod,
  parseIndexes,
  pastActiveDeadline,
  pastBackoffLimitOnFailure,
  withoutTrackingFinalizer,
  type JobObject,
  type JobTimings,
} from "./job-pods";

export { TRACKING_FINALIZER, COMPLETION_INDEX_ANNOTATION, DEFAULT_JOB_TIMINGS, type JobObject, type JobTimings } from "./job-pods";

/** Pods created or deleted per pass, and finished pods counted per pass (Kubernetes' limits). */
export const MAX_POD_CHANGES_PER_SYNC = 500;
export const MAX_UNCOUNTED_PODS = 500;

export interface JobPlan {
  /** Pods to delete first (excess, or every active pod of a failing job). */
  delete: PodObject[];
  /** Then the status to write (undefined: unchanged). */
  status?: JobStatus;
  /** Then the pods whose tracking finalizer may be removed. */
  removeFinalizers: PodObject[];
  /** Then the pods to create. */
  create: KubeObject[];
  events: PlannedEvent[];
  /** Delete the Job itself (ttlSecondsAfterFinished ran out). */
  deleteJob?: boolean;
  requeueAfterMs?: number;
}

// ---- the pass ---------------------------------------------------------------------------

function condition(type: string, reason: string, message: string, now: Date): JobCondition {
  const t = timestamp(now);
  return { type, status: "True", lastProbeTime: t, lastTransitionTime: t, reason, message };
}

/** Sets a condition's status (adding it when `add`); returns whether anything changed. */
function setCondition(status: JobStatus, type: string, value: "True" | "False", reason: string, message: string, now: Date, add: boolean): boolean {
  const conditions = status.conditions ?? [];
  const i = conditions.findIndex((c) => c.type === type);
  if (i < 0) {
    if (!add) return false;
    status.conditions = [...conditions, { ...condition(type, reason, message, now), status: value }];
    return true;
  }
  const c = conditions[i];
  if (c.status === value && c.reason === reason && c.message === message) return false;
  const t = timestamp(now);
  conditions[i] = { ...c, status: value, reason, message, lastProbeTime: t, lastTransitionTime: c.status === value ? c.lastTransitionTime : t };
  return true;
}

function statusEquals(a: JobStatus | undefined, b: JobStatus): boolean {
  return canonicalJson(a ?? {}) === canonicalJson(b);
}

export interface JobInput {
  job: JobObject;
  /** Pods whose controller is this Job, in any state. */
  pods: PodObject[];
  now: Date;
  timings?: JobTimings;
  /**
   * Uids of pods whose finalizer this controller already removed, though the cache may still
   * show it: they must not be counted twice.
   */
  finalizerRemoved?: ReadonlySet<string>;
}

export function planJob({ job, pods: allPods, now, timings = DEFAULT_JOB_TIMINGS, finalizerRemoved }: JobInput): JobPlan {
  const pods = finalizerRemoved?.size ? allPods.map((p) => (finalizerRemoved.has(p.metadata.uid ?? "") ? withoutTrackingFinalizer(p) : p)) : allPods;
  const plan: JobPlan = { delete: [], removeFinalizers: [], create: [], events: [] };
  const requeue = (ms: number) => {
    if (ms > 0) plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? Infinity, Math.ceil(ms));
  };
  const spec = job.spec ?? ({} as NonNullable<Job["spec"]>);
  const indexed = spec.completionMode === "Indexed";
  const completions = spec.completions ?? undefined;
  const backoffLimit = spec.backoffLimit ?? 6;
  const suspended = spec.suspend === true;

  const finished = isJobFinished(job);
  if (finished || job.metadata.deletionTimestamp) {
    // Nothing left to run: let go of every pod still held, and honour the TTL.
    plan.removeFinalizers = pods.filter(hasFinalizer);
    if (finished) ttlStep(job, now, plan, requeue);
    return plan;
  }

  const status: JobStatus = structuredClone(job.status ?? {});
  const uncounted = {
    succeeded: new Set(status.uncountedTerminatedPods?.succeeded ?? []),
    failed: new Set(status.uncountedTerminatedPods?.failed ?? []),
  };

  // Step 3 of counting: uids whose pod no longer holds the finalizer are counted for good.
  const holding = new Set(pods.filter(hasFinalizer).map((p) => p.metadata.uid ?? ""));
  for (const uid of [...uncounted.succeeded]) {
    if (holding.has(uid)) continue;
    uncounted.succeeded.delete(uid);
    status.succeeded = (status.succeeded ?? 0) + 1;
  }
  for (const uid of [...uncounted.failed]) {
    if (holding.has(uid)) continue;
    uncounted.failed.delete(uid);
    status.failed = (status.failed ?? 0) + 1;
  }

  let active = pods.filter(isPodActive);
  let terminating = pods.filter(isTerminating).length;
  const isNew = (p: PodObject) => hasFinalizer(p) && !uncounted.succeeded.has(p.metadata.uid ?? "") && !uncounted.failed.has(p.metadata.uid ?? "");
  const newSucceeded = pods.filter((p) => isNew(p) && p.status?.phase === "Succeeded");
  const newFailed = pods.filter((p) => isNew(p) && isPodFailedForJob(p, job));

  const succeededIndexes = indexed ? parseIndexes(status.completedIndexes, completions ?? 0) : new Set<number>();
  if (indexed) {
    for (const p of newSucceeded) {
      const i = completionIndexOf(p);
      if (i !== undefined && i < (completions ?? 0)) succeededIndexes.add(i);
    }
  }
  const succeeded = indexed ? succeededIndexes.size : (status.succeeded ?? 0) + uncounted.succeeded.size + newSucceeded.length;
  const failed = (status.failed ?? 0) + uncounted.failed.size + newFailed.length;

  if (!status.startTime && !suspended) status.startTime = timestamp(now);

  // What the job is heading for, if it is finishing: [interim condition, final condition].
  let target: { interim: JobCondition; final: "Complete" | "Failed" } | undefined;
  const successMet = conditionTrue(job, "SuccessCriteriaMet");
  const failureTarget = conditionTrue(job, "FailureTarget");
  if (successMet) target = { interim: successMet, final: "Complete" };
  else if (failureTarget) target = { interim: failureTarget, final: "Failed" };
  else if (failed > backoffLimit || pastBackoffLimitOnFailure(job, pods)) {
    target = { interim: condition("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now), final: "Failed" };
  } else if (pastActiveDeadline(job, now)) {
    target = { interim: condition("FailureTarget", "DeadlineExceeded", "Job was active longer than specified deadline", now), final: "Failed" };
  } else if (typeof spec.activeDeadlineSeconds === "number" && !suspended && status.startTime) {
    requeue(Date.parse(status.startTime) + spec.activeDeadlineSeconds * 1000 - now.getTime());
  }

  const lateFailed: PodObject[] = [];
  if (target?.final === "Failed") {
    // A failing job stops its pods; each counts as failed.
    plan.delete.push(...active);
    lateFailed.push(...active.filter(hasFinalizer));
    terminating += active.length;
    active = [];
  } else if (!target) {
    active = manage(job, active, pods, succeeded, succeededIndexes, terminating, now, timings, plan, requeue);
    const complete = completions === undefined || completions === null ? succeeded > 0 && active.length === 0 : succeeded >= completions && active.length === 0;
    if (complete) {
      target = { interim: condition("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods", now), final: "Complete" };
    } else if (suspended) {
      if (setCondition(status, "Suspended", "True", "JobSuspended", "Job suspended", now, true)) plan.events.push({ type: "Normal", reason: "Suspended", message: "Job suspended" });
    } else if (setCondition(status, "Suspended", "False", "JobResumed", "Job resumed", now, false)) {
      plan.events.push({ type: "Normal", reason: "Resumed", message: "Job resumed" });
      // activeDeadlineSeconds counts continuous activity: it restarts on resume.
      status.startTime = timestamp(now);
    }
  }
  if (target && !(status.conditions ?? []).some((c) => c.type === target!.interim.type && c.status === "True")) {
    status.conditions = [...(status.conditions ?? []), target.interim];
  }

  // Steps 1 and 2 of counting.
  let room = MAX_UNCOUNTED_PODS - uncounted.succeeded.size - uncounted.failed.size;
  for (const p of newSucceeded) {
    if (room-- <= 0) break;
    if (!indexed) uncounted.succeeded.add(p.metadata.uid ?? "");
    plan.removeFinalizers.push(p);
  }
  for (const p of [...newFailed, ...lateFailed.filter((p) => !newFailed.includes(p))]) {
    if (room-- <= 0) break;
    uncounted.failed.add(p.metadata.uid ?? "");
    plan.removeFinalizers.push(p);
  }
  status.uncountedTerminatedPods = {};
  if (uncounted.succeeded.size > 0) status.uncountedTerminatedPods.succeeded = [...uncounted.succeeded];
  if (uncounted.failed.size > 0) status.uncountedTerminatedPods.failed = [...uncounted.failed];
  if (indexed) {
    status.completedIndexes = formatIndexes(succeededIndexes);
    status.succeeded = succeededIndexes.size || undefined;
  }

  status.active = active.length || undefined;
  status.ready = active.filter(isPodReady).length;
  status.terminating = terminating;
  if (!status.succeeded) delete status.succeeded;
  if (!status.failed) delete status.failed;
  if (!status.active) delete status.active;

  // The final condition, once every pod is counted and none is still stopping.
  if (target && uncounted.succeeded.size + uncounted.failed.size === 0 && terminating === 0 && plan.removeFinalizers.length === 0) {
    const interim = target.interim;
    setCondition(status, target.final, "True", interim.reason ?? "", interim.message ?? "", now, true);
    if (target.final === "Complete") {
      status.completionTime = timestamp(now);
      if (completions !== undefined && completions !== null && (status.succeeded ?? 0) > completions) {
        plan.events.push({ type: "Warning", reason: "TooManySucceededPods", message: "Too many succeeded pods running after completion count reached" });
      }
      plan.events.push({ type: "Normal", reason: "Completed", message: "Job completed" });
    } else {
      plan.events.push({ type: "Warning", reason: interim.reason ?? "Failed", message: interim.message ?? "" });
    }
    status.ready = 0;
    status.terminating = 0;
    delete status.active;
    ttlStep({ ...job, status }, now, plan, requeue);
  }

  if (!statusEquals(job.status, status)) plan.status = status;
  return plan;
}

/** Create or delete pods toward the wanted number of active pods; returns the active pods left. */
function manage(
  job: JobObject,
  active: PodObject[],
  pods: PodObject[],
  succeeded: number,
  succeededIndexes: Set<number>,
  terminating: number,
  now: Date,
  timings: JobTimings,
  plan: JobPlan,
  requeue: (ms: number) => void,
): PodObject[] {
  const spec = job.spec!;
  const indexed = spec.completionMode === "Indexed";
  const completions = spec.completions ?? undefined;
  const parallelism = spec.parallelism ?? 1;
  let keep = active;

  if (indexed) {
    // One active pod per index still to do; pods of done, invalid or duplicated indexes go.
    const seen = new Set<number>();
    const excess: PodObject[] = [];
    keep = [];
    for (const p of [...active].sort((a, b) => (Date.parse(a.metadata.creationTimestamp ?? "") || 0) - (Date.parse(b.metadata.creationTimestamp ?? "") || 0))) {
      const i = completionIndexOf(p);
      if (i === undefined || i >= (completions ?? 0) || succeededIndexes.has(i) || seen.has(i)) excess.push(p);
      else {
        seen.add(i);
        keep.push(p);
      }
    }
    plan.delete.push(...excess.slice(0, MAX_POD_CHANGES_PER_SYNC));
  }

  let wantActive: number;
  if (spec.suspend) wantActive = 0;
  else if (completions === undefined || completions === null) wantActive = succeeded > 0 ? keep.length : parallelism;
  else wantActive = Math.max(0, Math.min(completions - succeeded, parallelism));

  if (keep.length > wantActive) {
    const extra = [...keep].sort(deletionRank).slice(0, Math.min(keep.length - wantActive, MAX_POD_CHANGES_PER_SYNC));
    plan.delete.push(...extra);
    return keep.filter((p) => !extra.includes(p));
  }
  if (keep.length < wantActive) {
    const wait = backoffRemainingMs(pods, now, timings);
    if (wait > 0) {
      requeue(wait);
      return keep;
    }
    let diff = wantActive - keep.length;
    if (job.spec?.podReplacementPolicy === "Failed") diff -= terminating;
    diff = Math.min(diff, MAX_POD_CHANGES_PER_SYNC);
    if (diff <= 0) return keep;
    if (indexed) {
      const taken = new Set(keep.map((p) => completionIndexOf(p)));
      for (let i = 0; i < (completions ?? 0) && diff > 0; i++) {
        if (succeededIndexes.has(i) || taken.has(i)) continue;
        plan.create.push(newJobPod(job, i));
        diff--;
      }
    } else {
      for (let i = 0; i < diff; i++) plan.create.push(newJobPod(job));
    }
  }
  return keep;
}

/** ttlSecondsAfterFinished: delete the finished job once it has run out. */
function ttlStep(job: JobObject, now: Date, plan: JobPlan, requeue: (ms: number) => void): void {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null) return;
  const done = (job.status?.conditions ?? []).find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
  const at = Date.parse(job.status?.completionTime ?? done?.lastTransitionTime ?? "");
  if (!Number.isFinite(at)) return;
  const left = at + ttl * 1000 - now.getTime();
  if (left <= 0) plan.deleteJob = true;
  else requeue(left);
}
