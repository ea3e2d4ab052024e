// What the Job controller knows about a Job's pods, with Kubernetes' definitions: which count
// as failed, when one finished, the failure back-off, OnFailure restarts, the active deadline,
// completion indexes, and the pod a Job creates. Pure; job-core.ts decides with these.

import type { Job, JobCondition } from "kubernetes-types/batch/v1";
import type { Container, PodTemplateSpec } from "kubernetes-types/core/v1";
import type { KubeObject } from "../../api/object";
import { isPodReady, newControllerRef, podFromTemplate, podNamePrefix, type PodObject } from "./controller-utils";

export type JobObject = Job & KubeObject;

export const TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";
export const COMPLETION_INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index";

export interface JobTimings {
  /** First delay before replacing a failed pod; doubles per consecutive failure. Default 10 s. */
  podBackoffBaseMs: number;
  /** Longest such delay. Default 6 min. */
  podBackoffMaxMs: number;
}

export const DEFAULT_JOB_TIMINGS: JobTimings = { podBackoffBaseMs: 10_000, podBackoffMaxMs: 360_000 };

// ---- small facts ------------------------------------------------------------------------

export function conditionTrue(job: JobObject, type: string): JobCondition | undefined {
  return (job.status?.conditions ?? []).find((c) => c.type === type && c.status === "True");
}

/** Complete or Failed: nothing more happens to the job's pods. */
export function isJobFinished(job: JobObject): "Complete" | "Failed" | undefined {
  if (conditionTrue(job, "Complete")) return "Complete";
  if (conditionTrue(job, "Failed")) return "Failed";
  return undefined;
}

/** The pod as it is once its tracking finalizer is removed. */
export function withoutTrackingFinalizer(pod: PodObject): PodObject {
  const finalizers = (pod.metadata.finalizers ?? []).filter((f) => f !== TRACKING_FINALIZER);
  const metadata = { ...pod.metadata, finalizers: finalizers.length > 0 ? finalizers : undefined };
  if (!metadata.finalizers) delete metadata.finalizers;
  return { ...pod, metadata };
}

export function hasFinalizer(pod: PodObject): boolean {
  return (pod.metadata.finalizers ?? []).includes(TRACKING_FINALIZER);
}

function onlyReplaceFailed(job: JobObject): boolean {
  return job.spec?.podReplacementPolicy === "Failed";
}

/** Failed, or (unless podReplacementPolicy is Failed) deleted before it succeeded. */
export function isPodFailedForJob(pod: PodObject, job: JobObject): boolean {
  if (pod.status?.phase === "Failed") return true;
  if (onlyReplaceFailed(job)) return false;
  return pod.metadata.deletionTimestamp !== undefined && pod.status?.phase !== "Succeeded";
}

export function isTerminating(pod: PodObject): boolean {
  return pod.metadata.deletionTimestamp !== undefined && pod.status?.phase !== "Succeeded" && pod.status?.phase !== "Failed";
}

/** When a pod finished: its last container exit, else its last condition change, else its creation. */
export function podFinishedAt(pod: PodObject): number {
  let latest = 0;
  for (const s of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]) {
    const t = Date.parse(s.state?.terminated?.finishedAt ?? "");
    if (Number.isFinite(t)) latest = Math.max(latest, t);
  }
  if (latest > 0) return latest;
  for (const c of pod.status?.conditions ?? []) {
    const t = Date.parse(c.lastTransitionTime ?? "");
    if (Number.isFinite(t)) latest = Math.max(latest, t);
  }
  return latest || Date.parse(pod.metadata.creationTimestamp ?? "") || 0;
}

/**
 * How long to wait before creating a replacement pod: base·2^(n-1), capped, after the last of
 * n failures since the last success (Kubernetes' pod failure back-off).
 */
export function backoffRemainingMs(pods: readonly PodObject[], now: Date, timings: JobTimings): number {
  const finished = pods
    .filter((p) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed")
    .map((p) => ({ at: podFinishedAt(p), failed: p.status?.phase === "Failed" }))
    .sort((a, b) => a.at - b.at);
  let failures = 0;
  let last = 0;
  for (const f of finished) {
    if (f.failed) {
      failures++;
      last = f.at;
    } else failures = 0;
  }
  if (failures === 0) return 0;
  const delay = Math.min(timings.podBackoffMaxMs, timings.podBackoffBaseMs * 2 ** Math.min(failures - 1, 30));
  return Math.max(0, last + delay - now.getTime());
}

/** Container restarts of running/pending pods, which count against backoffLimit under OnFailure. */
export function pastBackoffLimitOnFailure(job: JobObject, pods: readonly PodObject[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== "OnFailure") return false;
  let restarts = 0;
  for (const p of pods) {
    if (p.status?.phase !== "Running" && p.status?.phase !== "Pending") continue;
    for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += s.restartCount ?? 0;
  }
  const limit = job.spec?.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

export function pastActiveDeadline(job: JobObject, now: Date): boolean {
  const deadline = job.spec?.activeDeadlineSeconds;
  const start = Date.parse(job.status?.startTime ?? "");
  if (deadline === undefined || deadline === null || !Number.isFinite(start) || job.spec?.suspend) return false;
  return now.getTime() - start >= deadline * 1000;
}

// ---- indexes ----------------------------------------------------------------------------

export function completionIndexOf(pod: KubeObject): number | undefined {
  const raw = pod.metadata.annotations?.[COMPLETION_INDEX_ANNOTATION];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** "1,3-5,7" → {1,3,4,5,7}; malformed parts are skipped. */
export function parseIndexes(text: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  for (const part of (text ?? "").split(",").filter((p) => p.length > 0)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let i = lo; i <= hi && i < completions; i++) out.add(i);
  }
  return out;
}

/** {1,3,4,5,7} → "1,3-5,7": runs of three or more are written as ranges. */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    if (j - i >= 2) parts.push(`${sorted[i]}-${sorted[j]}`);
    else for (let k = i; k <= j; k++) parts.push(String(sorted[k]));
    i = j + 1;
  }
  return parts.join(",");
}

// ---- pods -------------------------------------------------------------------------------

/** A pod for the job (with its completion index in Indexed mode), holding the tracking finalizer. */
export function newJobPod(job: JobObject, index?: number): KubeObject {
  const template: PodTemplateSpec = structuredClone(job.spec?.template ?? {});
  const meta = (template.metadata ??= {});
  meta.finalizers = [...(meta.finalizers ?? []).filter((f) => f !== TRACKING_FINALIZER), TRACKING_FINALIZER];
  let prefix = podNamePrefix(job.metadata.name ?? "");
  if (index !== undefined) {
    meta.annotations = { ...(meta.annotations ?? {}), [COMPLETION_INDEX_ANNOTATION]: String(index) };
    meta.labels = { ...(meta.labels ?? {}), [COMPLETION_INDEX_ANNOTATION]: String(index) };
    prefix = `${job.metadata.name}-${index}-`;
    const spec = (template.spec ??= { containers: [] });
    spec.hostname ??= `${job.metadata.name}-${index}`;
    const withIndexEnv = (c: Container): Container => {
      if ((c.env ?? []).some((e) => e.name === "JOB_COMPLETION_INDEX")) return c;
      const env = { name: "JOB_COMPLETION_INDEX", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` } } };
      return { ...c, env: [...(c.env ?? []), env] };
    };
    spec.containers = (spec.containers ?? []).map(withIndexEnv);
    if (spec.initContainers) spec.initContainers = spec.initContainers.map(withIndexEnv);
  }
  const ref = newControllerRef(job, { apiVersion: "batch/v1", kind: "Job" });
  return podFromTemplate(template, job.metadata.namespace ?? "default", prefix, ref);
}

/** Deletion order for excess pods: unscheduled, pending, not ready, then the newest first. */
export function deletionRank(a: PodObject, b: PodObject): number {
  const scheduled = (p: PodObject) => (p.spec?.nodeName ? 1 : 0);
  const phase = (p: PodObject) => ({ Pending: 0, Unknown: 1, Running: 2 })[p.status?.phase ?? "Pending"] ?? 0;
  const ready = (p: PodObject) => (isPodReady(p) ? 1 : 0);
  return (
    scheduled(a) - scheduled(b) ||
    phase(a) - phase(b) ||
    ready(a) - ready(b) ||
    (Date.parse(b.metadata.creationTimestamp ?? "") || 0) - (Date.parse(a.metadata.creationTimestamp ?? "") || 0)
  );
}
