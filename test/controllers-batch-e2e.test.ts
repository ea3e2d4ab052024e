// Jobs and CronJobs end to end: the real `gantry master` binary and the real kubectl (v1.32).
// No agent runs, so pods never start: the test finishes a pod the way an agent would report it,
// through the pods/status subresource (`kubectl patch --subresource=status`). The CronJob's
// first run comes from the master's own clock, so that test waits for the next whole minute
// (it is started first and checked last, to overlap with the rest).

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Kubectl } from "./helpers/kubectl";
import { startKubectlSession, type KubectlSession } from "./helpers/kubectl-session";
import { waitFor } from "./helpers/wait";

let session: KubectlSession;
let kubectl: Kubectl;
let cronCreatedAt = 0;
let cronBeforeFirstRun = "";

before(async () => {
  session = await startKubectlSession();
  ({ kubectl } = session);
  // Late in a minute the first run could come before the "not run yet" check: start in the next one.
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 45_000) await new Promise((r) => setTimeout(r, 61_000 - intoMinute));
  await kubectl.ok(["create", "cronjob", "tick", "--image=busybox", "--schedule=* * * * *", "--", "echo", "tick"]);
  cronCreatedAt = Date.now();
  cronBeforeFirstRun = await kubectl.ok(["get", "cronjobs", "tick", "--no-headers"]);
});

after(() => session?.stop());


interface Item {
  metadata: { name: string; labels?: Record<string, string>; finalizers?: string[]; ownerReferences?: { kind: string; name: string }[] };
  status?: Record<string, unknown>;
}
const getJson = async <T = { items: Item[] }>(args: string[]) => JSON.parse(await kubectl.ok([...args, "-o", "json"])) as T;
const podsOfJob = async (job: string) => (await getJson(["get", "pods", "-l", `batch.kubernetes.io/job-name=${job}`])).items;

async function finishPod(name: string, phase: "Succeeded" | "Failed"): Promise<void> {
  await kubectl.ok(["patch", "pod", name, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: { phase } })]);
}

describe("batch controllers in a real master", () => {
  test("kubectl create job: a pod runs; when it succeeds, kubectl get jobs shows Complete 1/1", async () => {
    assert.match(await kubectl.ok(["create", "job", "pi", "--image=busybox", "--", "echo", "hi"]), /job.batch\/pi created/);
    const pod = await waitFor("the job's pod", async () => (await podsOfJob("pi"))[0]);
    assert.match(pod.metadata.name, /^pi-[a-z0-9]{5}$/);
    assert.equal(pod.metadata.labels?.["job-name"], "pi");
    assert.ok(pod.metadata.labels?.["controller-uid"]);
    assert.deepEqual(pod.metadata.finalizers, ["batch.kubernetes.io/job-tracking"]);
    assert.match(await kubectl.ok(["get", "jobs"]), /pi\s+Running\s+0\/1/);

    await finishPod(pod.metadata.name, "Succeeded");
    const line = await waitFor("Complete 1/1", async () => {
      const out = await kubectl.ok(["get", "jobs", "pi", "--no-headers"]);
      return /^pi\s+Complete\s+1\/1\s/.test(out) && out;
    });
    assert.match(line, /Complete/);
    const job = await getJson<Item>(["get", "job", "pi"]);
    assert.equal(job.status?.succeeded, 1);
    assert.ok(job.status?.completionTime);
    const described = await kubectl.ok(["describe", "job", "pi"]);
    assert.match(described, /SuccessfulCreate\s+.*Created pod: pi-/);
    assert.match(described, /Completed\s+.*Job completed/);
  });

  test("a job whose pods keep failing ends Failed with BackoffLimitExceeded", async () => {
    await kubectl.ok(["apply", "-f", "-"], {
      stdin: JSON.stringify({
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "doomed" },
        spec: { backoffLimit: 0, template: { spec: { restartPolicy: "Never", containers: [{ name: "x", image: "busybox", command: ["false"] }] } } },
      }),
    });
    const pod = await waitFor("the pod", async () => (await podsOfJob("doomed"))[0]);
    await finishPod(pod.metadata.name, "Failed");
    await waitFor("Failed", async () => /^doomed\s+Failed\s+0\/1\s/.test(await kubectl.ok(["get", "jobs", "doomed", "--no-headers"])));
    const job = await getJson<{ status: { conditions: { type: string; reason: string }[] } }>(["get", "job", "doomed"]);
    assert.ok(job.status.conditions.some((c) => c.type === "Failed" && c.reason === "BackoffLimitExceeded"));
  });

  test("kubectl create cronjob: the master's controller starts a run at the next minute", async () => {
    assert.match(cronBeforeFirstRun, /^tick\s+\* \* \* \* \*\s+<none>\s+False\s+0\s+<none>/);
    const nextMinute = Math.floor(cronCreatedAt / 60_000) * 60_000 + 60_000;
    const run = await waitFor("the first run", async () => (await getJson(["get", "jobs"])).items.find((j) => j.metadata.ownerReferences?.[0]?.kind === "CronJob"), nextMinute - Date.now() + 20_000);
    assert.equal(run.metadata.name, `tick-${nextMinute / 60_000}`);
    const cj = await waitFor("status.active", async () => {
      const c = await getJson<{ status: { active?: { name: string }[]; lastScheduleTime?: string } }>(["get", "cronjob", "tick"]);
      return c.status.active?.length === 1 && c;
    });
    assert.equal(cj.status.lastScheduleTime, `${new Date(nextMinute).toISOString().slice(0, 19)}Z`);
    assert.match(await kubectl.ok(["get", "cronjobs", "tick", "--no-headers"]), /^tick\s+\* \* \* \* \*\s+<none>\s+False\s+1\s+\d+s/);
  });
});
