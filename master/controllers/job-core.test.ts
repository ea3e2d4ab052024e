import { test } from "node:test";
import assert from "node:assert/strict";
import type { PodObject } from "./controller-utils";
import { planJob, type JobPlan } from "./job-core";
import { COMPLETION_INDEX_ANNOTATION, TRACKING_FINALIZER, backoffRemainingMs, formatIndexes, parseIndexes, type JobObject } from "./job-pods";

const NOW = new Date("2024-05-01T12:00:00Z");
const T0 = "2024-05-01T11:59:00Z";
const NO_BACKOFF = { podBackoffBaseMs: 0, podBackoffMaxMs: 0 };

function job(spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}): JobObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "pi", namespace: "default", uid: "job-uid", creationTimestamp: T0 },
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: "NonIndexed",
      selector: { matchLabels: { "batch.kubernetes.io/controller-uid": "job-uid" } },
      template: { metadata: { labels: { "batch.kubernetes.io/controller-uid": "job-uid", "batch.kubernetes.io/job-name": "pi" } }, spec: { restartPolicy: "Never", containers: [{ name: "pi", image: "busybox" }] } },
      ...spec,
    },
    status,
  } as JobObject;
}

let seq = 0;
function pod(phase: string, extra: { finalizer?: boolean; deleting?: boolean; ready?: boolean; index?: number; finishedAt?: string; restarts?: number } = {}): PodObject {
  seq++;
  const finished = phase === "Succeeded" || phase === "Failed";
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `pi-${seq}`,
      namespace: "default",
      uid: `pod-${seq}`,
      creationTimestamp: T0,
      finalizers: extra.finalizer === false ? undefined : [TRACKING_FINALIZER],
      ...(extra.deleting ? { deletionTimestamp: NOW.toISOString() } : {}),
      ...(extra.index !== undefined ? { annotations: { [COMPLETION_INDEX_ANNOTATION]: String(extra.index) } } : {}),
      ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "pi", uid: "job-uid", controller: true }],
    },
    spec: { containers: [{ name: "pi", image: "busybox" }] },
    status: {
      phase,
      conditions: extra.ready ? [{ type: "Ready", status: "True" }] : [],
      containerStatuses: [
        {
          name: "pi",
          image: "busybox",
          imageID: "",
          ready: !!extra.ready,
          restartCount: extra.restarts ?? 0,
          ...(finished ? { state: { terminated: { exitCode: phase === "Failed" ? 1 : 0, finishedAt: extra.finishedAt ?? T0 } } } : {}),
        },
      ],
    },
  } as PodObject;
}

/** Applies a plan the way the controller does, so the next pass sees its effects. */
function apply(j: JobObject, pods: PodObject[], plan: JobPlan): { job: JobObject; pods: PodObject[] } {
  const next = plan.status ? { ...j, status: plan.status } : j;
  const dropped = new Set(plan.removeFinalizers.map((p) => p.metadata.uid));
  const deleted = new Set(plan.delete.map((p) => p.metadata.uid));
  const out = pods.map((p) => {
    let q = p;
    if (deleted.has(p.metadata.uid)) q = { ...q, metadata: { ...q.metadata, deletionTimestamp: NOW.toISOString() } };
    if (dropped.has(p.metadata.uid)) q = { ...q, metadata: { ...q.metadata, finalizers: undefined } };
    return q;
  });
  // Unbound pods being deleted without finalizers are gone at once.
  return { job: next, pods: out.filter((p) => !(p.metadata.deletionTimestamp && !p.metadata.finalizers)) };
}

const types = (plan: JobPlan) => (plan.status?.conditions ?? []).map((c) => `${c.type}=${c.status}:${c.reason}`);

test("a new job starts parallelism pods, capped by the completions still to do", () => {
  const p1 = planJob({ job: job({ completions: 5, parallelism: 2 }), pods: [], now: NOW });
  assert.equal(p1.create.length, 2);
  assert.equal(p1.status?.startTime, "2024-05-01T12:00:00Z");
  assert.deepEqual(p1.status?.uncountedTerminatedPods, {});
  const created = p1.create[0];
  assert.equal(created.metadata.generateName, "pi-");
  assert.deepEqual(created.metadata.finalizers, [TRACKING_FINALIZER]);
  assert.equal(created.metadata.labels?.["batch.kubernetes.io/job-name"], "pi");
  assert.deepEqual(created.metadata.ownerReferences, [{ apiVersion: "batch/v1", kind: "Job", name: "pi", uid: "job-uid", controller: true, blockOwnerDeletion: true }]);

  const threeDone = job({ completions: 5, parallelism: 4 }, { succeeded: 4, startTime: T0 });
  assert.equal(planJob({ job: threeDone, pods: [], now: NOW }).create.length, 1);
  const running = [pod("Running", { ready: true }), pod("Pending")];
  const plan = planJob({ job: job({ completions: 5, parallelism: 2 }, { startTime: T0 }), pods: running, now: NOW });
  assert.equal(plan.create.length, 0);
  assert.equal(plan.status?.active, 2);
  assert.equal(plan.status?.ready, 1);
});

test("a succeeded pod is counted through uncountedTerminatedPods, then the job completes", () => {
  let j = job({}, { startTime: T0 });
  let pods = [pod("Succeeded")];
  const first = planJob({ job: j, pods, now: NOW });
  assert.deepEqual(first.status?.uncountedTerminatedPods, { succeeded: [pods[0].metadata.uid] });
  assert.equal(first.status?.succeeded, undefined, "not counted before the finalizer goes");
  assert.deepEqual(types(first), ["SuccessCriteriaMet=True:CompletionsReached"]);
  assert.deepEqual(first.removeFinalizers.map((p) => p.metadata.uid), [pods[0].metadata.uid]);
  assert.equal(first.create.length, 0);
  assert.deepEqual(first.events, []);
  ({ job: j, pods } = apply(j, pods, first));

  const second = planJob({ job: j, pods, now: NOW });
  assert.equal(second.status?.succeeded, 1);
  assert.deepEqual(second.status?.uncountedTerminatedPods, {});
  assert.deepEqual(types(second), ["SuccessCriteriaMet=True:CompletionsReached", "Complete=True:CompletionsReached"]);
  assert.equal(second.status?.conditions?.[1].message, "Reached expected number of succeeded pods");
  assert.equal(second.status?.completionTime, "2024-05-01T12:00:00Z");
  assert.deepEqual(second.events, [{ type: "Normal", reason: "Completed", message: "Job completed" }]);
  ({ job: j, pods } = apply(j, pods, second));

  const third = planJob({ job: j, pods, now: NOW });
  assert.equal(third.status, undefined, "a finished job is left alone");
  assert.equal(third.create.length, 0);
});

test("a pod whose finalizer removal the cache has not seen yet is not counted twice", () => {
  const done = pod("Succeeded");
  const j = job({ completions: 2 }, { succeeded: 1, startTime: T0, uncountedTerminatedPods: {}, ready: 0, terminating: 0 });
  const plan = planJob({ job: j, pods: [done], now: NOW, finalizerRemoved: new Set([done.metadata.uid!]), timings: NO_BACKOFF });
  assert.equal(plan.status, undefined);
  assert.equal(plan.create.length, 1, "one more completion to go");
});

test("failures up to backoffLimit are replaced; one more fails the job with BackoffLimitExceeded", () => {
  const spec = { backoffLimit: 2 };
  const twoFailed = planJob({ job: job(spec, { failed: 1, startTime: T0 }), pods: [pod("Failed")], now: NOW, timings: NO_BACKOFF });
  assert.equal(twoFailed.create.length, 1, "2 failures is not more than the limit of 2");
  assert.deepEqual(types(twoFailed), []);

  let j = job(spec, { failed: 2, startTime: T0 });
  let pods = [pod("Failed"), pod("Running")];
  const first = planJob({ job: j, pods, now: NOW, timings: NO_BACKOFF });
  assert.deepEqual(types(first), ["FailureTarget=True:BackoffLimitExceeded"]);
  assert.equal(first.status?.conditions?.[0].message, "Job has reached the specified backoff limit");
  assert.deepEqual(first.delete.map((p) => p.metadata.uid), [pods[1].metadata.uid], "the running pod is stopped");
  assert.equal(first.create.length, 0);
  assert.deepEqual(new Set(first.status?.uncountedTerminatedPods?.failed), new Set(pods.map((p) => p.metadata.uid)));
  ({ job: j, pods } = apply(j, pods, first));

  const second = planJob({ job: j, pods, now: NOW, timings: NO_BACKOFF });
  assert.equal(second.status?.failed, 4);
  assert.deepEqual(types(second), ["FailureTarget=True:BackoffLimitExceeded", "Failed=True:BackoffLimitExceeded"]);
  assert.equal(second.status?.completionTime, undefined, "only Complete sets completionTime");
  assert.deepEqual(second.events, [{ type: "Warning", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }]);
});

test("Failed waits while a stopped pod is still terminating on its node", () => {
  const stopping = pod("Running", { deleting: true, finalizer: false });
  const j = job({}, { startTime: T0, failed: 7, conditions: [{ type: "FailureTarget", status: "True", reason: "BackoffLimitExceeded", message: "m" }] });
  const plan = planJob({ job: j, pods: [stopping], now: NOW });
  assert.equal(plan.status?.terminating, 1);
  assert.ok(!types(plan).some((t) => t.startsWith("Failed")));
  const gone = planJob({ job: j, pods: [], now: NOW });
  assert.ok(types(gone).includes("Failed=True:BackoffLimitExceeded"));
});

test("restartPolicy OnFailure: container restarts count against backoffLimit", () => {
  const spec = { backoffLimit: 3, template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "pi", image: "busybox" }] } } };
  assert.deepEqual(types(planJob({ job: job(spec, { startTime: T0 }), pods: [pod("Running", { restarts: 2 })], now: NOW })), []);
  assert.deepEqual(types(planJob({ job: job(spec, { startTime: T0 }), pods: [pod("Running", { restarts: 3 })], now: NOW })), ["FailureTarget=True:BackoffLimitExceeded"]);
  const never = { ...spec, template: { spec: { restartPolicy: "Never", containers: [] } } };
  assert.deepEqual(types(planJob({ job: job(never, { startTime: T0 }), pods: [pod("Running", { restarts: 3 })], now: NOW })), []);
});

test("activeDeadlineSeconds: requeue at the deadline, then DeadlineExceeded", () => {
  const spec = { activeDeadlineSeconds: 100 };
  const early = planJob({ job: job(spec, { startTime: "2024-05-01T11:59:00Z" }), pods: [pod("Running")], now: NOW });
  assert.deepEqual(types(early), []);
  assert.equal(early.requeueAfterMs, 40_000);
  const late = planJob({ job: job(spec, { startTime: "2024-05-01T11:58:00Z" }), pods: [pod("Running")], now: NOW });
  assert.deepEqual(types(late), ["FailureTarget=True:DeadlineExceeded"]);
  assert.equal(late.status?.conditions?.[0].message, "Job was active longer than specified deadline");
  assert.equal(late.delete.length, 1);
});

test("replacement pods wait out the failure back-off: 10 s, doubling per consecutive failure", () => {
  const timings = { podBackoffBaseMs: 10_000, podBackoffMaxMs: 360_000 };
  const failedAt = (s: number) => pod("Failed", { finishedAt: new Date(NOW.getTime() - s * 1000).toISOString() });
  assert.equal(backoffRemainingMs([failedAt(4)], NOW, timings), 6_000);
  assert.equal(backoffRemainingMs([failedAt(30), failedAt(4)], NOW, timings), 16_000);
  assert.equal(backoffRemainingMs([failedAt(30), pod("Succeeded", { finishedAt: new Date(NOW.getTime() - 20_000).toISOString() }), failedAt(4)], NOW, timings), 6_000, "a success resets the count");
  assert.equal(backoffRemainingMs([failedAt(60)], NOW, timings), 0);
  const plan = planJob({ job: job({}, { startTime: T0, failed: 1 }), pods: [failedAt(4)], now: NOW, timings });
  assert.equal(plan.create.length, 0);
  assert.equal(plan.requeueAfterMs, 6_000);
});

test("a work queue (completions unset) completes once any pod succeeded and none is active", () => {
  const spec = { completions: undefined, parallelism: 3 };
  assert.equal(planJob({ job: job(spec), pods: [], now: NOW }).create.length, 3);
  const oneDone = planJob({ job: job(spec, { startTime: T0, succeeded: 1 }), pods: [pod("Running"), pod("Running")], now: NOW });
  assert.equal(oneDone.create.length, 0, "no new pods after a success");
  assert.deepEqual(types(oneDone), []);
  const allDone = planJob({ job: job(spec, { startTime: T0, succeeded: 1 }), pods: [], now: NOW });
  assert.deepEqual(types(allDone), ["SuccessCriteriaMet=True:CompletionsReached", "Complete=True:CompletionsReached"]);
});

test("lower parallelism deletes the least valuable pods first", () => {
  const ready = pod("Running", { ready: true });
  const pending = pod("Pending");
  const plan = planJob({ job: job({ completions: 5, parallelism: 1 }, { startTime: T0 }), pods: [ready, pending], now: NOW });
  assert.deepEqual(plan.delete.map((p) => p.metadata.uid), [pending.metadata.uid]);
});

test("suspend stops the pods and sets Suspended; resuming restarts the clock", () => {
  const suspended = planJob({ job: job({ suspend: true }, { startTime: T0 }), pods: [pod("Running")], now: NOW });
  assert.equal(suspended.delete.length, 1);
  assert.deepEqual(types(suspended), ["Suspended=True:JobSuspended"]);
  assert.deepEqual(suspended.events, [{ type: "Normal", reason: "Suspended", message: "Job suspended" }]);
  const resumed = planJob({ job: job({}, { startTime: T0, conditions: [{ type: "Suspended", status: "True", reason: "JobSuspended", message: "Job suspended" }] }), pods: [], now: NOW });
  assert.deepEqual(types(resumed), ["Suspended=False:JobResumed"]);
  assert.equal(resumed.status?.startTime, "2024-05-01T12:00:00Z");
  assert.equal(resumed.create.length, 1);
});

test("Indexed: one pod per missing index, completedIndexes instead of uncounted uids", () => {
  const spec = { completionMode: "Indexed", completions: 4, parallelism: 2 };
  const first = planJob({ job: job(spec), pods: [], now: NOW });
  assert.deepEqual(first.create.map((p) => p.metadata.annotations?.[COMPLETION_INDEX_ANNOTATION]), ["0", "1"]);
  const p0 = first.create[0];
  assert.equal(p0.metadata.generateName, "pi-0-");
  assert.equal((p0.spec as { hostname?: string }).hostname, "pi-0");
  const env = (p0.spec as { containers: { env?: { name: string }[] }[] }).containers[0].env;
  assert.deepEqual(env?.map((e) => e.name), ["JOB_COMPLETION_INDEX"]);

  const done1 = pod("Succeeded", { index: 1 });
  const running0 = pod("Running", { index: 0 });
  const dup0 = pod("Pending", { index: 0 });
  const plan = planJob({ job: job(spec, { startTime: T0, completedIndexes: "3" }), pods: [running0, done1, dup0], now: NOW });
  assert.equal(plan.status?.completedIndexes, "1,3");
  assert.equal(plan.status?.succeeded, 2);
  assert.deepEqual(plan.status?.uncountedTerminatedPods, {});
  assert.deepEqual(plan.delete.map((p) => p.metadata.uid), [dup0.metadata.uid], "a second pod for index 0 goes");
  assert.deepEqual(plan.create.map((p) => p.metadata.annotations?.[COMPLETION_INDEX_ANNOTATION]), ["2"]);
});

test("index sets are written as Kubernetes writes them", () => {
  assert.equal(formatIndexes([7, 1, 3, 4, 5]), "1,3-5,7");
  assert.equal(formatIndexes([0, 1]), "0,1");
  assert.equal(formatIndexes([]), "");
  assert.deepEqual([...parseIndexes("1,3-5,7,x,9", 8)], [1, 3, 4, 5, 7]);
});

test("ttlSecondsAfterFinished deletes the finished job once it has run out", () => {
  const finished = { startTime: T0, succeeded: 1, completionTime: "2024-05-01T11:59:30Z", conditions: [{ type: "Complete", status: "True" }] };
  const waiting = planJob({ job: job({ ttlSecondsAfterFinished: 60 }, finished), pods: [], now: NOW });
  assert.equal(waiting.deleteJob, undefined);
  assert.equal(waiting.requeueAfterMs, 30_000);
  assert.equal(planJob({ job: job({ ttlSecondsAfterFinished: 20 }, finished), pods: [], now: NOW }).deleteJob, true);
});

test("pods of a job being deleted lose their finalizers and nothing new starts", () => {
  const j = { ...job(), metadata: { ...job().metadata, deletionTimestamp: NOW.toISOString() } };
  const held = pod("Running");
  const plan = planJob({ job: j, pods: [held, pod("Succeeded", { finalizer: false })], now: NOW });
  assert.deepEqual(plan.removeFinalizers.map((p) => p.metadata.uid), [held.metadata.uid]);
  assert.equal(plan.create.length, 0);
});
