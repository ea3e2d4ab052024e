import { test } from "node:test";
import assert from "node:assert/strict";
import { SCHEDULED_TIMESTAMP_ANNOTATION, jobNameFor, planCronJob, statusWithRun, type CronJobObject } from "./cronjob-core";
import type { JobObject } from "./job-core";

const CREATED = "2024-05-01T11:50:30Z";

function cronJob(spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}): CronJobObject {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "backup", namespace: "default", uid: "cj-uid", creationTimestamp: CREATED },
    spec: {
      schedule: "*/5 * * * *",
      timeZone: "UTC",
      concurrencyPolicy: "Allow",
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: { metadata: { labels: { app: "backup" } }, spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "b", image: "busybox" }] } } } },
      ...spec,
    },
    status,
  } as CronJobObject;
}

function child(name: string, state: "running" | "Complete" | "Failed", startTime = "2024-05-01T11:00:00Z", completionTime?: string): JobObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: "default", uid: `uid-${name}`, resourceVersion: "7", ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: "backup", uid: "cj-uid", controller: true }] },
    spec: {},
    status: {
      startTime,
      ...(completionTime ? { completionTime } : {}),
      ...(state === "running" ? {} : { conditions: [{ type: state, status: "True" }] }),
    },
  } as JobObject;
}

const at = (iso: string) => new Date(iso);

test("a due run creates the Job named after its fire time in minutes, then waits for the next", () => {
  const plan = planCronJob({ cj: cronJob(), jobs: [], now: at("2024-05-01T12:00:07Z") });
  const fire = at("2024-05-01T12:00:00Z");
  assert.equal(plan.create?.scheduledTime.toISOString(), fire.toISOString());
  const job = plan.create!.job;
  assert.equal(job.metadata.name, `backup-${fire.getTime() / 60_000}`);
  assert.equal(job.metadata.name, "backup-28576080");
  assert.deepEqual(job.metadata.labels, { app: "backup" });
  assert.equal(job.metadata.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION], "2024-05-01T12:00:00Z");
  assert.deepEqual(job.metadata.ownerReferences, [{ apiVersion: "batch/v1", kind: "CronJob", name: "backup", uid: "cj-uid", controller: true, blockOwnerDeletion: true }]);
  assert.equal((job.spec as { template: object }).template !== undefined, true);
  assert.equal(plan.requeueAfterMs, 5 * 60_000 - 7_000 + 100);

  const created = { ...job, metadata: { ...job.metadata, uid: "new-uid", resourceVersion: "9" } } as JobObject;
  const after = statusWithRun(plan.status, created, fire);
  assert.equal(after.lastScheduleTime, "2024-05-01T12:00:00Z");
  assert.deepEqual(after.active, [{ apiVersion: "batch/v1", kind: "Job", name: "backup-28576080", namespace: "default", uid: "new-uid", resourceVersion: "9" }]);
});

test("nothing is due before the first fire time after creation, nor twice for one fire time", () => {
  const early = planCronJob({ cj: cronJob(), jobs: [], now: at("2024-05-01T11:54:59Z") });
  assert.equal(early.create, undefined);
  assert.equal(early.requeueAfterMs, 1_000 + 100);
  const done = cronJob({}, { lastScheduleTime: "2024-05-01T12:00:00Z" });
  assert.equal(planCronJob({ cj: done, jobs: [], now: at("2024-05-01T12:04:00Z") }).create, undefined);
  // The Job exists although status missed it (a crash between the two writes).
  const existing = child(jobNameFor("backup", at("2024-05-01T12:00:00Z")), "running");
  const plan = planCronJob({ cj: cronJob(), jobs: [existing], now: at("2024-05-01T12:01:00Z") });
  assert.equal(plan.create, undefined);
  assert.deepEqual(plan.status?.active?.map((r) => r.name), [existing.metadata.name]);
  assert.equal(plan.events[0].reason, "UnexpectedJob");
});

test("after downtime only the most recent missed run starts", () => {
  const plan = planCronJob({ cj: cronJob({}, { lastScheduleTime: "2024-05-01T10:00:00Z" }), jobs: [], now: at("2024-05-01T12:02:00Z") });
  assert.equal(plan.create?.scheduledTime.toISOString(), "2024-05-01T12:00:00.000Z");
  const tooMany = planCronJob({ cj: cronJob({ schedule: "* * * * *" }, { lastScheduleTime: "2024-05-01T08:00:00Z" }), jobs: [], now: at("2024-05-01T12:02:30Z") });
  assert.equal(tooMany.create?.scheduledTime.toISOString(), "2024-05-01T12:02:00.000Z");
  assert.ok(tooMany.events.some((e) => e.reason === "TooManyMissedTimes" && e.type === "Warning"));
});

test("startingDeadlineSeconds: a run later than the deadline is skipped", () => {
  const cj = cronJob({ startingDeadlineSeconds: 30 }, { lastScheduleTime: "2024-05-01T11:55:00Z" });
  assert.equal(planCronJob({ cj, jobs: [], now: at("2024-05-01T12:00:20Z") }).create?.scheduledTime.toISOString(), "2024-05-01T12:00:00.000Z");
  const late = planCronJob({ cj, jobs: [], now: at("2024-05-01T12:00:45Z") });
  assert.equal(late.create, undefined);
  assert.equal(late.requeueAfterMs, 4 * 60_000 + 15_000 + 100);
});

test("concurrencyPolicy: Allow runs alongside, Forbid waits, Replace deletes the running Job", () => {
  const running = child("backup-28576075", "running");
  const status = { lastScheduleTime: "2024-05-01T11:55:00Z", active: [{ kind: "Job", name: running.metadata.name, namespace: "default", uid: running.metadata.uid }] };
  const now = at("2024-05-01T12:00:01Z");
  const allow = planCronJob({ cj: cronJob({}, status), jobs: [running], now });
  assert.ok(allow.create);
  assert.deepEqual(allow.deleteJobs, []);

  const forbid = planCronJob({ cj: cronJob({ concurrencyPolicy: "Forbid" }, status), jobs: [running], now });
  assert.equal(forbid.create, undefined);
  assert.deepEqual(forbid.events, [{ type: "Normal", reason: "JobAlreadyActive", message: "Not starting job because prior execution is running and concurrency policy is Forbid" }]);
  // When the running Job finishes, the run that was due still starts.
  const finished = child(running.metadata.name!, "Complete", undefined, "2024-05-01T12:01:00Z");
  const later = planCronJob({ cj: cronJob({ concurrencyPolicy: "Forbid" }, status), jobs: [finished], now: at("2024-05-01T12:01:05Z") });
  assert.equal(later.create?.scheduledTime.toISOString(), "2024-05-01T12:00:00.000Z");
  assert.ok(later.events.some((e) => e.reason === "SawCompletedJob" && e.message === `Saw completed job: ${running.metadata.name}, condition: Complete`));
  assert.equal(later.status?.lastSuccessfulTime, "2024-05-01T12:01:00Z");
  assert.equal(later.status?.active, undefined);

  const replace = planCronJob({ cj: cronJob({ concurrencyPolicy: "Replace" }, status), jobs: [running], now });
  assert.deepEqual(replace.deleteJobs.map((d) => [d.job.metadata.name, d.why]), [[running.metadata.name, "replace"]]);
  assert.ok(replace.create);
  assert.equal(replace.status?.active, undefined);
});

test("suspend stops new runs but still tracks finished Jobs", () => {
  const running = child("backup-1", "Complete", undefined, "2024-05-01T11:58:00Z");
  const plan = planCronJob({ cj: cronJob({ suspend: true }, { active: [{ name: "backup-1", uid: running.metadata.uid }] }), jobs: [running], now: at("2024-05-01T12:00:01Z") });
  assert.equal(plan.create, undefined);
  assert.equal(plan.requeueAfterMs, undefined);
  assert.equal(plan.status?.active, undefined);
});

test("history limits delete the oldest finished Jobs beyond them", () => {
  const jobs = [
    child("backup-1", "Complete", "2024-05-01T10:00:00Z"),
    child("backup-2", "Complete", "2024-05-01T10:05:00Z"),
    child("backup-3", "Complete", "2024-05-01T10:10:00Z"),
    child("backup-4", "Failed", "2024-05-01T10:15:00Z"),
    child("backup-5", "Failed", "2024-05-01T10:20:00Z"),
    child("backup-6", "running", "2024-05-01T10:25:00Z"),
  ];
  const plan = planCronJob({ cj: cronJob({ successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 }, { lastScheduleTime: "2024-05-01T12:00:00Z" }), jobs, now: at("2024-05-01T12:01:00Z") });
  assert.deepEqual(plan.deleteJobs.map((d) => [d.job.metadata.name, d.why]), [["backup-1", "history"], ["backup-4", "history"]]);
  const unlimited = planCronJob({ cj: cronJob({ successfulJobsHistoryLimit: undefined, failedJobsHistoryLimit: undefined }, { lastScheduleTime: "2024-05-01T12:00:00Z" }), jobs, now: at("2024-05-01T12:01:00Z") });
  assert.deepEqual(unlimited.deleteJobs, []);
});

test("an active Job that disappeared leaves the list; time zones shift fire times", () => {
  const missing = planCronJob({ cj: cronJob({}, { lastScheduleTime: "2024-05-01T12:00:00Z", active: [{ name: "backup-9", uid: "gone" }] }), jobs: [], now: at("2024-05-01T12:01:00Z") });
  assert.equal(missing.status?.active, undefined);
  assert.deepEqual(missing.events, [{ type: "Normal", reason: "MissingJob", message: "Active job went missing: backup-9" }]);

  const paris = planCronJob({ cj: cronJob({ schedule: "0 14 * * *", timeZone: "Europe/Paris" }, { lastScheduleTime: "2024-04-30T12:00:00Z" }), jobs: [], now: at("2024-05-01T12:00:30Z") });
  assert.equal(paris.create?.scheduledTime.toISOString(), "2024-05-01T12:00:00.000Z");
  assert.equal(paris.create?.job.metadata.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION], "2024-05-01T14:00:00+02:00");
});
