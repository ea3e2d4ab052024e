// The Job and CronJob controllers in this process, against a real etcd through the same
// ApiContext the master uses. No agent runs here, so pods never start: the tests write a pod's
// phase through the pods/status rules, exactly what an agent's status report would write. The
// clock is injected, so deadlines and cron schedules are tested by moving it, never by waiting.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { KubeObject } from "../api/object";
import { findResource } from "../api/resources";
import type { ApiContext } from "../master/registry/context";
import { acquireInformer } from "../master/cache/shared-informers";
import { CronJobController } from "../master/controllers/cronjob";
import { JobController } from "../master/controllers/job";
import { TRACKING_FINALIZER } from "../master/controllers/job-core";
import { startInProcessApi, type InProcessApi } from "./helpers/in-process";
import { waitFor } from "./helpers/wait";

const R = {
  namespaces: findResource("", "v1", "namespaces")!,
  pods: findResource("", "v1", "pods")!,
  events: findResource("", "v1", "events")!,
  jobs: findResource("batch", "v1", "jobs")!,
  cronjobs: findResource("batch", "v1", "cronjobs")!,
};

/** A clock the tests move by hand, starting on a whole minute so fire times are easy to name. */
const clock = { t: Math.ceil(Date.now() / 60_000) * 60_000 + 5_000, now: () => new Date(clock.t), advance: (s: number) => (clock.t += s * 1000) };

let api: InProcessApi;
let ctx: ApiContext;
let jobs: JobController;
let cronJobs: CronJobController;
const client = (r: (typeof R)[keyof typeof R]) => api.client(r);
const namespace = () => api.namespace();

before(async () => {
  api = await startInProcessApi({
    now: () => clock.now(),
    namespacePrefix: "b",
    components: (c) => [(jobs = new JobController(c, { resyncMs: 2000, timings: { podBackoffBaseMs: 0 } })), (cronJobs = new CronJobController(c, { resyncMs: 2000 }))],
  });
  ctx = api.ctx;
});

after(() => api?.stop());


type JobStatus = { active?: number; succeeded?: number; failed?: number; ready?: number; completedIndexes?: string; completionTime?: string; startTime?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[]; uncountedTerminatedPods?: object };
const jobStatus = (j: KubeObject) => (j.status ?? {}) as JobStatus;
const conditionsOf = (j: KubeObject) => (jobStatus(j).conditions ?? []).filter((c) => c.status === "True").map((c) => `${c.type}:${c.reason}`);
const podsOf = async (ns: string, job: string) => (await client(R.pods).list(ns)).filter((p) => p.metadata.labels?.["batch.kubernetes.io/job-name"] === job);
const livePods = async (ns: string, job: string) => (await podsOf(ns, job)).filter((p) => !p.metadata.deletionTimestamp && !["Succeeded", "Failed"].includes((p.status as { phase?: string }).phase ?? ""));
const stamp = () => `${clock.now().toISOString().slice(0, 19)}Z`;

/** What an agent reports when a pod's containers exit. */
async function finish(pod: KubeObject, phase: "Succeeded" | "Failed"): Promise<void> {
  await client(R.pods).update(pod.metadata.namespace, pod.metadata.name!, (p) => ({
    ...p,
    status: { ...(p.status as object), phase, conditions: [{ type: "Ready", status: "False", lastTransitionTime: stamp() }] },
  }), { statusOnly: true });
}

async function eventReasons(ns: string, name: string): Promise<string[]> {
  return (await client(R.events).list(ns)).filter((e) => (e.involvedObject as { name?: string }).name === name).map((e) => e.reason as string);
}

function job(ns: string, name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: ns },
    spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox", command: ["echo", "hi"] }] } }, ...spec },
  };
}

describe("Job controller", () => {
  test("runs pods one after another until completions, then Complete", async () => {
    const ns = await namespace();
    await client(R.jobs).create(job(ns, "pi", { completions: 2, parallelism: 1 }));
    const first = await waitFor("the first pod", async () => (await livePods(ns, "pi"))[0]);
    assert.deepEqual(first.metadata.finalizers, [TRACKING_FINALIZER]);
    assert.equal(first.metadata.ownerReferences?.[0].kind, "Job");
    assert.match(first.metadata.name!, /^pi-[a-z0-9]{5}$/);
    const running = await waitFor("status.active = 1", async () => {
      const j = await client(R.jobs).get(ns, "pi");
      return jobStatus(j).active === 1 && j;
    });
    assert.ok(jobStatus(running).startTime);

    await finish(first, "Succeeded");
    const second = await waitFor("the second pod", async () => (await livePods(ns, "pi")).find((p) => p.metadata.uid !== first.metadata.uid));
    await waitFor("the first pod counted", async () => jobStatus(await client(R.jobs).get(ns, "pi")).succeeded === 1);
    assert.equal((await livePods(ns, "pi")).length, 1, "parallelism 1");
    await finish(second, "Succeeded");

    const done = await waitFor("Complete", async () => {
      const j = await client(R.jobs).get(ns, "pi");
      return conditionsOf(j).includes("Complete:CompletionsReached") && j;
    });
    assert.deepEqual(conditionsOf(done), ["SuccessCriteriaMet:CompletionsReached", "Complete:CompletionsReached"]);
    assert.equal(jobStatus(done).succeeded, 2);
    assert.equal(jobStatus(done).active, undefined);
    assert.deepEqual(jobStatus(done).uncountedTerminatedPods, {});
    assert.equal(jobStatus(done).completionTime, stamp());
    for (const p of await podsOf(ns, "pi")) assert.equal(p.metadata.finalizers, undefined, `${p.metadata.name} let go`);
    await waitFor("events", async () => {
      const reasons = await eventReasons(ns, "pi");
      return reasons.includes("Completed") && reasons.includes("SuccessfulCreate");
    });
  });

  test("fails with BackoffLimitExceeded after backoffLimit+1 pod failures", async () => {
    const ns = await namespace();
    await client(R.jobs).create(job(ns, "flaky", { backoffLimit: 1 }));
    for (let i = 0; i < 2; i++) {
      const pod = await waitFor(`pod ${i + 1}`, async () => (await livePods(ns, "flaky"))[0]);
      await finish(pod, "Failed");
    }
    const failed = await waitFor("Failed", async () => {
      const j = await client(R.jobs).get(ns, "flaky");
      return conditionsOf(j).includes("Failed:BackoffLimitExceeded") && j;
    });
    assert.equal(jobStatus(failed).failed, 2);
    assert.equal(jobStatus(failed).completionTime, undefined);
    assert.equal(jobStatus(failed).conditions?.find((c) => c.type === "Failed")?.message, "Job has reached the specified backoff limit");
    assert.equal((await livePods(ns, "flaky")).length, 0, "no third pod");
    await waitFor("the warning event", async () => (await eventReasons(ns, "flaky")).includes("BackoffLimitExceeded"));
  });

  test("activeDeadlineSeconds stops the pods and fails the job with DeadlineExceeded", async () => {
    const ns = await namespace();
    await client(R.jobs).create(job(ns, "slow", { activeDeadlineSeconds: 30, parallelism: 2, completions: 4 }));
    await waitFor("two pods", async () => (await livePods(ns, "slow")).length === 2);
    clock.advance(31);
    jobs.enqueueAll();
    const failed = await waitFor("Failed", async () => {
      const j = await client(R.jobs).get(ns, "slow");
      return conditionsOf(j).includes("Failed:DeadlineExceeded") && j;
    });
    assert.deepEqual(conditionsOf(failed), ["FailureTarget:DeadlineExceeded", "Failed:DeadlineExceeded"]);
    assert.equal(jobStatus(failed).failed, 2, "the stopped pods count as failed");
    assert.equal((await podsOf(ns, "slow")).length, 0, "unbound pods are gone once their finalizer is");
  });

  test("Indexed: one pod per index, completedIndexes, Complete", async () => {
    const ns = await namespace();
    await client(R.jobs).create(job(ns, "idx", { completionMode: "Indexed", completions: 3, parallelism: 3 }));
    const pods = await waitFor("three pods", async () => {
      const ps = await livePods(ns, "idx");
      return ps.length === 3 && ps;
    });
    const indexes = pods.map((p) => p.metadata.annotations?.["batch.kubernetes.io/job-completion-index"]).sort();
    assert.deepEqual(indexes, ["0", "1", "2"]);
    for (const p of pods) await finish(p, "Succeeded");
    const done = await waitFor("Complete", async () => {
      const j = await client(R.jobs).get(ns, "idx");
      return conditionsOf(j).includes("Complete:CompletionsReached") && j;
    });
    assert.equal(jobStatus(done).completedIndexes, "0-2");
    assert.equal(jobStatus(done).succeeded, 3);
  });

  test("a deleted Job's pods do not keep their tracking finalizer", async () => {
    const ns = await namespace();
    await client(R.jobs).create(job(ns, "gone"));
    const pod = await waitFor("a pod", async () => (await livePods(ns, "gone"))[0]);
    await client(R.jobs).delete(ns, "gone");
    await waitFor("the finalizer removed", async () => (await client(R.pods).get(ns, pod.metadata.name!)).metadata.finalizers === undefined);
  });
});

describe("CronJob controller", () => {
  test("creates a Job per fire time from the injected clock, honours Forbid, counts completions, trims history", async () => {
    const ns = await namespace();
    await client(R.cronjobs).create({
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "tick", namespace: ns },
      spec: {
        schedule: "*/1 * * * *",
        timeZone: "UTC",
        concurrencyPolicy: "Forbid",
        successfulJobsHistoryLimit: 1,
        jobTemplate: { spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "t", image: "busybox" }] } } } },
      },
    });
    await cronJobs.idle();
    assert.equal((await client(R.jobs).list(ns)).length, 0, "nothing before the first fire time");

    clock.advance(60);
    const fire1 = new Date(Math.floor(clock.t / 60_000) * 60_000);
    cronJobs.enqueueAll();
    const first = await waitFor("the first run", async () => (await client(R.jobs).list(ns))[0]);
    assert.equal(first.metadata.name, `tick-${fire1.getTime() / 60_000}`);
    assert.equal(first.metadata.annotations?.["batch.kubernetes.io/cronjob-scheduled-timestamp"], `${fire1.toISOString().slice(0, 19)}Z`);
    const cj1 = await waitFor("status.active", async () => {
      const cj = await client(R.cronjobs).get(ns, "tick");
      return (cj.status as { active?: unknown[] }).active?.length === 1 && cj;
    });
    assert.equal((cj1.status as { lastScheduleTime?: string }).lastScheduleTime, `${fire1.toISOString().slice(0, 19)}Z`);

    // The next minute comes while the first run is still going: Forbid skips it for now.
    clock.advance(60);
    cronJobs.enqueueAll();
    await waitFor("JobAlreadyActive", async () => (await eventReasons(ns, "tick")).includes("JobAlreadyActive"));
    assert.equal((await client(R.jobs).list(ns)).length, 1);

    // The first run finishes; the due run starts, late but within its minute.
    const pod = await waitFor("the run's pod", async () => (await livePods(ns, first.metadata.name!))[0]);
    await finish(pod, "Succeeded");
    const second = await waitFor("the second run", async () => (await client(R.jobs).list(ns)).find((j) => j.metadata.name !== first.metadata.name));
    assert.equal(second.metadata.name, `tick-${fire1.getTime() / 60_000 + 1}`);
    const cj2 = await waitFor("lastSuccessfulTime", async () => {
      const cj = await client(R.cronjobs).get(ns, "tick");
      return (cj.status as { lastSuccessfulTime?: string }).lastSuccessfulTime ? cj : undefined;
    });
    assert.deepEqual(((cj2.status as { active?: { name: string }[] }).active ?? []).map((a) => a.name), [second.metadata.name]);

    // Once the second run completes too, only one finished Job is kept.
    const pod2 = await waitFor("the second run's pod", async () => (await livePods(ns, second.metadata.name!))[0]);
    await finish(pod2, "Succeeded");
    await waitFor("the first run deleted", async () => (await client(R.jobs).list(ns)).every((j) => j.metadata.name !== first.metadata.name));
    const reasons = await waitFor("events", async () => {
      const r = await eventReasons(ns, "tick");
      return r.includes("SuccessfulDelete") && r.includes("SawCompletedJob") && r;
    });
    assert.ok(reasons.includes("SuccessfulCreate"));
  });

  test("suspend stops new runs", async () => {
    const ns = await namespace();
    await client(R.cronjobs).create({
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "paused", namespace: ns },
      spec: { schedule: "* * * * *", suspend: true, jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "t", image: "busybox" }] } } } } },
    });
    // Wait until the controller's cache holds it, so the pass below really looks at it.
    const cache = await acquireInformer(ctx, R.cronjobs);
    try {
      await waitFor("the cache", async () => cache.get(`${ns}/paused`) !== undefined);
    } finally {
      await cache.release();
    }
    clock.advance(120);
    cronJobs.enqueueAll();
    await cronJobs.idle();
    assert.equal((await client(R.jobs).list(ns)).length, 0);
  });
});
