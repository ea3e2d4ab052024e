// Scenarios of the pod worker state machine on a simulated node (testing/sim.ts): virtual
// clock, no I/O, no sleeping. Times in the assertions are ms since the pod was accepted.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { Container } from "kubernetes-types/core/v1";
import { Sim, makePod, T0, type WorldOptions } from "./testing/sim";

const IMG = "registry.test/app:1";
const app = (extra: Partial<Container> = {}): Container => ({ name: "app", image: IMG, ...extra });
const present: WorldOptions["images"] = { [IMG]: "present" };
const cond = (sim: Sim, type: string) => sim.status().conditions?.find((c) => c.type === type);

test("happy path: sandbox, pull, create, start; Running and Ready with kubelet events", () => {
  const sim = new Sim(makePod({ containers: [app({ image: "registry.test/app:latest" })] }), { pullMs: 1234 });
  assert.equal(sim.status().phase, "Pending");
  assert.deepEqual(sim.status().containerStatuses?.[0].state, { waiting: { reason: "ContainerCreating" } });
  sim.runUntil(5000);
  assert.deepEqual(
    sim.actions.map((a) => a.action.kind).filter((k) => k !== "event" && k !== "publishStatus"),
    ["createSandbox", "inspectImage", "pullImage", "createContainer", "startContainer"],
  );
  assert.deepEqual(sim.events(), [
    'Pulling: Pulling image "registry.test/app:latest"',
    'Pulled: Successfully pulled image "registry.test/app:latest" in 1.234s',
    "Created: Created container app",
    "Started: Started container app",
  ]);
  const s = sim.status();
  assert.equal(s.phase, "Running");
  const cs = s.containerStatuses![0];
  assert.equal(cs.ready, true);
  assert.equal(cs.started, true);
  assert.equal(cs.restartCount, 0);
  assert.equal(cs.containerID, "gantry://app-0");
  assert.equal(cs.imageID, "registry.test/app:latest@sha256:aa");
  assert.deepEqual(cs.state, { running: { startedAt: "2025-01-01T00:00:01Z" } });
  assert.deepEqual(
    s.conditions!.map((c) => [c.type, c.status]),
    [["PodReadyToStartContainers", "True"], ["Initialized", "True"], ["Ready", "True"], ["ContainersReady", "True"]],
  );
  assert.equal(s.startTime, "2025-01-01T00:00:00Z");
  assert.equal(s.hostIP, "10.0.0.1");
  assert.equal(s.qosClass, "BestEffort");
});

test("IfNotPresent with the image present: no pull, 'already present' event", () => {
  const sim = new Sim(makePod({ containers: [app()] }), { images: present }).runUntil(1000);
  assert.equal(sim.issued("pullImage").length, 0);
  assert.equal(sim.events()[0], `Pulled: Container image "${IMG}" already present on machine`);
  assert.equal(sim.status().phase, "Running");
});

test("CrashLoopBackOff: restarts at once, then after 10s, 20s, 40s ... capped at 300s", () => {
  const sim = new Sim(makePod({ containers: [app()] }), { images: present, scripts: { app: () => ({ runMs: 1000, exitCode: 1 }) } });
  sim.runUntil(700_000);
  assert.deepEqual(
    sim.issued("createContainer").map((a) => a.atMs),
    [0, 1000, 12_000, 33_000, 74_000, 155_000, 316_000, 617_000],
  );
  // Between crashes the container waits in CrashLoopBackOff with the previous run as lastState.
  const sim2 = new Sim(makePod({ containers: [app()] }), { images: present, scripts: { app: () => ({ runMs: 1000, exitCode: 1 }) } });
  sim2.runUntil(5000);
  const cs = sim2.status().containerStatuses![0];
  assert.deepEqual(cs.state, { waiting: { reason: "CrashLoopBackOff", message: "back-off 10s restarting failed container=app pod=web_default(uid-1)" } });
  assert.equal(cs.restartCount, 1);
  assert.equal(cs.lastState?.terminated?.exitCode, 1);
  assert.equal(cs.lastState?.terminated?.reason, "Error");
  assert.equal(cs.lastState?.terminated?.containerID, "gantry://app-1");
  assert.equal(sim2.status().phase, "Running", "restartPolicy Always keeps the pod Running");
  assert.ok(sim2.events().includes("BackOff: Back-off restarting failed container app in pod web_default(uid-1)"));
  sim2.runUntil(20_000);
  assert.match(sim2.status().containerStatuses![0].state!.waiting!.message!, /^back-off 20s restarting/);
});

test("the back-off starts over after a container ran fine for 10 minutes", () => {
  const runs = [1000, 1000, 1000, 11 * 60_000, 1000];
  const sim = new Sim(makePod({ containers: [app()] }), { images: present, scripts: { app: (n) => ({ runMs: runs[n] ?? 1000, exitCode: 1 }) } });
  sim.runUntil(1_000_000);
  const starts = sim.issued("createContainer").map((a) => a.atMs);
  // 0, crash 1000 -> 1000, crash 2000 -> 12000, crash 13000 -> 33000, runs 11 min, crash 693000 -> at once.
  assert.deepEqual(starts.slice(0, 5), [0, 1000, 12_000, 33_000, 693_000]);
  // ...and the next crash waits only the initial 10 s again.
  assert.equal(starts[5], 704_000);
});

const policyCases: Array<{ policy: string; exitCode: number; phase: string; restarts: boolean }> = [
  { policy: "Always", exitCode: 0, phase: "Running", restarts: true },
  { policy: "OnFailure", exitCode: 0, phase: "Succeeded", restarts: false },
  { policy: "OnFailure", exitCode: 2, phase: "Running", restarts: true },
  { policy: "Never", exitCode: 0, phase: "Succeeded", restarts: false },
  { policy: "Never", exitCode: 3, phase: "Failed", restarts: false },
];
for (const c of policyCases) {
  test(`restartPolicy ${c.policy}, exit ${c.exitCode}: ${c.phase}${c.restarts ? ", restarted" : ""}`, () => {
    const sim = new Sim(makePod({ restartPolicy: c.policy, containers: [app()] }), { images: present, scripts: { app: () => ({ runMs: 500, exitCode: c.exitCode, message: "bye" }) } });
    sim.runUntil(5000);
    assert.equal(sim.status().phase, c.phase);
    assert.equal(sim.issued("createContainer").length > 1, c.restarts);
    if (!c.restarts) {
      const t = sim.status().containerStatuses![0].state!.terminated!;
      assert.equal(t.exitCode, c.exitCode);
      assert.equal(t.reason, c.exitCode === 0 ? "Completed" : "Error");
      assert.equal(t.message, "bye");
      assert.equal(t.startedAt, "2025-01-01T00:00:00Z");
      assert.equal(sim.containersStopped(), true);
      assert.equal(cond(sim, "Ready")?.reason, c.phase === "Succeeded" ? "PodCompleted" : "ContainersNotReady");
    }
  });
}

test("OOMKilled is the reason when the kernel killed the container for its memory limit", () => {
  const sim = new Sim(makePod({ restartPolicy: "Never", containers: [app()] }), { images: present, scripts: { app: () => ({ runMs: 300, exitCode: 137, oomKilled: true }) } });
  sim.runUntil(1000);
  assert.deepEqual(sim.status().containerStatuses![0].state!.terminated!.reason, "OOMKilled");
  assert.equal(sim.status().phase, "Failed");
});

test("init containers run one at a time, in order, before the app containers", () => {
  const pod = makePod({
    initContainers: [
      { name: "init-a", image: IMG },
      { name: "init-b", image: IMG },
    ],
    containers: [app()],
  });
  const sim = new Sim(pod, { images: present, scripts: { "init-a": () => ({ runMs: 1000 }), "init-b": () => ({ runMs: 2000 }) } });
  sim.runUntil(500);
  assert.equal(sim.status().phase, "Pending");
  assert.equal(cond(sim, "Initialized")?.message, "containers with incomplete status: [init-a init-b]");
  assert.deepEqual(sim.status().containerStatuses![0].state, { waiting: { reason: "PodInitializing" } });
  assert.deepEqual(sim.status().initContainerStatuses![1].state, { waiting: { reason: "PodInitializing" } });
  sim.runUntil(5000);
  assert.deepEqual(
    sim.issued("createContainer").map((a) => [a.name, a.atMs]),
    [["init-a", 0], ["init-b", 1000], ["app", 3000]],
  );
  assert.equal(sim.status().phase, "Running");
  assert.equal(cond(sim, "Initialized")?.status, "True");
  assert.equal(cond(sim, "Initialized")?.lastTransitionTime, "2025-01-01T00:00:03Z");
  assert.equal(sim.status().initContainerStatuses![0].state?.terminated?.reason, "Completed");
});

test("a failing init container fails the pod under restartPolicy Never", () => {
  const pod = makePod({ restartPolicy: "Never", initContainers: [{ name: "init", image: IMG }], containers: [app()] });
  const sim = new Sim(pod, { images: present, scripts: { init: () => ({ runMs: 100, exitCode: 1 }) } }).runUntil(60_000);
  assert.equal(sim.status().phase, "Failed");
  assert.deepEqual(sim.issued("createContainer").map((a) => a.name), ["init"]);
  assert.equal(sim.containersStopped(), true);
});

test("a failing init container is retried with back-off under restartPolicy Always; the pod stays Pending", () => {
  const pod = makePod({ initContainers: [{ name: "init", image: IMG }], containers: [app()] });
  const sim = new Sim(pod, { images: present, scripts: { init: (n) => ({ runMs: 100, exitCode: n < 3 ? 1 : 0 }) } }).runUntil(20_000);
  assert.equal(sim.status().phase, "Pending");
  assert.equal(sim.status().initContainerStatuses![0].state?.waiting?.reason, "CrashLoopBackOff");
  sim.runUntil(60_000);
  assert.deepEqual(
    sim.issued("createContainer").map((a) => [a.name, a.atMs]),
    [["init", 0], ["init", 100], ["init", 10_200], ["init", 30_300], ["app", 30_400]],
  );
  assert.equal(sim.status().phase, "Running");
  assert.equal(sim.status().initContainerStatuses![0].restartCount, 3);
});

test("ErrImagePull, then ImagePullBackOff, pulls retried after 10s, 20s, ... with the registry's message", () => {
  const err = "image registry.test/app:latest: NotFound: manifest unknown";
  const image = "registry.test/app:latest";
  const sim = new Sim(makePod({ containers: [app({ image })] }), { images: { [image]: { error: err } }, pullMs: 1000 });
  sim.runUntil(2000);
  assert.deepEqual(sim.status().containerStatuses![0].state, { waiting: { reason: "ErrImagePull", message: err } });
  assert.equal(sim.status().phase, "Pending");
  sim.runUntil(8000);
  assert.deepEqual(sim.status().containerStatuses![0].state, {
    waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${image}": ErrImagePull: ${err}` },
  });
  sim.runUntil(60_000);
  assert.deepEqual(sim.issued("pullImage").map((a) => a.atMs), [0, 11_000, 32_000]);
  assert.deepEqual(sim.events().slice(0, 5), [
    `Pulling: Pulling image "${image}"`,
    `Failed: Failed to pull image "${image}": ${err}`,
    "Failed: Error: ErrImagePull",
    `BackOff: Back-off pulling image "${image}"`,
    "Failed: Error: ImagePullBackOff",
  ]);
  assert.equal(sim.issued("createContainer").length, 0);
});

test("imagePullPolicy Never with the image missing: ErrImageNeverPull", () => {
  const sim = new Sim(makePod({ containers: [app({ imagePullPolicy: "Never" })] })).runUntil(1000);
  assert.equal(sim.status().containerStatuses![0].state?.waiting?.reason, "ErrImageNeverPull");
  assert.equal(sim.issued("pullImage").length, 0);
});

test("a failing liveness probe restarts the container: Unhealthy events, Killing, restartCount 1", () => {
  const pod = makePod({ containers: [app({ livenessProbe: { exec: { command: ["true"] }, periodSeconds: 1, failureThreshold: 3 } })] });
  const sim = new Sim(pod, {
    images: present,
    probe: (_n, _k, attempt, n) => (attempt === 0 && n >= 2 ? { ok: false, output: "it hurts" } : { ok: true }),
  });
  sim.runUntil(10_000);
  const probes = sim.issued("runProbe").filter((p) => p.containerId === "app-0");
  assert.deepEqual(probes.map((p) => p.atMs), [0, 1000, 2000, 3000, 4000]);
  assert.deepEqual(sim.events().filter((e) => e.startsWith("Unhealthy")), Array(3).fill("Unhealthy: Liveness probe failed: it hurts"));
  assert.ok(sim.events().includes("Killing: Container app failed liveness probe, will be restarted"));
  const stop = sim.issued("stopContainer")[0];
  assert.deepEqual([stop.id, stop.graceSeconds, stop.atMs], ["app-0", 30, 4000]);
  const cs = sim.status().containerStatuses![0];
  assert.equal(cs.restartCount, 1);
  assert.equal(cs.lastState?.terminated?.exitCode, 143);
  assert.ok(cs.state?.running);
});

test("readiness gates Ready; a startup probe gates liveness and readiness", () => {
  const pod = makePod({
    containers: [
      app({
        startupProbe: { exec: { command: ["s"] }, periodSeconds: 1, failureThreshold: 10 },
        readinessProbe: { exec: { command: ["r"] }, periodSeconds: 1, failureThreshold: 1 },
        livenessProbe: { exec: { command: ["l"] }, periodSeconds: 1 },
      }),
    ],
  });
  const sim = new Sim(pod, {
    images: present,
    probe: (_n, kind, _a, n) => ({ ok: kind === "startup" ? n >= 3 : kind === "readiness" ? n < 4 : true, output: "nope" }),
  });
  sim.runUntil(2500);
  let cs = sim.status().containerStatuses![0];
  assert.deepEqual([cs.started, cs.ready], [false, false]);
  assert.equal(sim.issued("runProbe").filter((p) => p.probe !== "startup").length, 0, "liveness/readiness wait for startup");
  sim.runUntil(3500);
  cs = sim.status().containerStatuses![0];
  assert.deepEqual([cs.started, cs.ready], [true, true]);
  assert.equal(cond(sim, "Ready")?.status, "True");
  sim.runUntil(8000);
  cs = sim.status().containerStatuses![0];
  assert.equal(cs.ready, false, "readiness failed");
  assert.equal(cs.restartCount, 0, "readiness failures never restart");
  assert.equal(cond(sim, "ContainersReady")?.message, "containers with unready status: [app]");
});

test("graceful delete: containers stopped with the deletion grace period, then removal cleans up", () => {
  const pod = makePod({ terminationGracePeriodSeconds: 45, containers: [app(), { name: "side", image: IMG }] });
  const sim = new Sim(pod, { images: present }).runUntil(1000);
  const deleted = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: "2025-01-01T00:00:01Z", deletionGracePeriodSeconds: 5 } };
  sim.feed({ kind: "desired", pod: deleted });
  sim.runUntil(2000);
  assert.deepEqual(
    sim.issued("stopContainer").map((s) => [s.name, s.graceSeconds]),
    [["app", 5], ["side", 5]],
  );
  assert.ok(sim.events().includes("Killing: Stopping container app"));
  assert.equal(sim.containersStopped(), true);
  assert.equal(sim.status().phase, "Failed");
  assert.equal(sim.issued("removeContainer").length, 0, "a graceful delete keeps containers until removal");
  sim.feed({ kind: "remove" });
  sim.runUntil(3000);
  assert.deepEqual(sim.issued("removeContainer").map((r) => [r.id, r.keepLogs]), [["app-0", true], ["side-0", true]]);
  assert.equal(sim.issued("teardownSandbox").length, 1);
  assert.equal(sim.finished, true);
  assert.equal(sim.containers.size, 0);
});

test("removal while an image is being pulled waits for nothing it does not need and cleans up", () => {
  const sim = new Sim(makePod({ containers: [app()] }), { pullMs: 10_000 }).runUntil(100);
  sim.feed({ kind: "remove" });
  sim.runUntil(20_000);
  assert.equal(sim.issued("createContainer").length, 0);
  assert.equal(sim.finished, true);
});

test("adoption after an agent restart: a running container is kept, not restarted or duplicated", () => {
  const pod = makePod({ containers: [app()] });
  const started = new Date(T0 - 60_000).toISOString();
  const sim = new Sim(pod, { images: present }, [
    { id: "app-2", name: "app", kind: "app", attempt: 2, image: IMG, status: "running", startedAt: started },
    { id: "app-1", name: "app", kind: "app", attempt: 1, image: IMG, status: "exited", exitCode: 1, startedAt: started, finishedAt: started },
    { id: "app-0", name: "app", kind: "app", attempt: 0, image: IMG, status: "exited", exitCode: 1, finishedAt: started },
    { id: "old-0", name: "old", kind: "app", attempt: 0, image: IMG, status: "running" },
  ]);
  sim.runUntil(60_000);
  assert.equal(sim.issued("createContainer").length, 0);
  assert.equal(sim.issued("startContainer").length, 0);
  const cs = sim.status().containerStatuses![0];
  assert.equal(cs.containerID, "gantry://app-2");
  assert.equal(cs.restartCount, 2);
  assert.equal(cs.lastState?.terminated?.containerID, "gantry://app-1");
  assert.deepEqual(cs.state, { running: { startedAt: "2024-12-31T23:59:00Z" } });
  // The oldest attempt and a container the spec no longer has are cleaned up.
  assert.deepEqual(sim.issued("stopContainer").map((s) => s.id), ["old-0"]);
  assert.deepEqual(sim.issued("removeContainer").map((s) => s.id).sort(), ["app-0", "old-0"]);
});

test("a sandbox failure is reported and retried with back-off", () => {
  const sim = new Sim(makePod({ containers: [app()] }), { images: present, sandboxFailures: 2 }).runUntil(60_000);
  assert.deepEqual(sim.issued("createSandbox").map((a) => a.atMs), [0, 10_000, 30_000]);
  assert.equal(sim.events()[0], 'FailedMount: MountVolume.SetUp failed for volume "cfg" : configmap "cfg" not found');
  assert.equal(sim.status().phase, "Running");
});

test("a sandbox that waited for the node's network is retried as soon as the network is ready, not after its back-off", () => {
  const sim = new Sim(makePod({ containers: [app()] }), { images: present, sandboxFailures: 1 }).runUntil(3000);
  assert.equal(sim.issued("createSandbox").length, 1, "in back-off until 10 s");
  sim.feed({ kind: "networkReady" });
  assert.deepEqual(sim.issued("createSandbox").map((a) => a.atMs), [0, 3000]);
  sim.runUntil(5000);
  assert.equal(sim.status().phase, "Running");
  // On a pod whose sandbox is fine the input changes nothing.
  const before = sim.actions.length;
  sim.feed({ kind: "networkReady" });
  assert.equal(sim.actions.length, before);
});

test("CreateContainerConfigError is shown and retried with back-off", () => {
  const sim = new Sim(makePod({ containers: [app()] }), {
    images: present,
    createError: (_n, a) => (a === 0 ? { reason: "CreateContainerConfigError", message: 'configmap "cfg" not found' } : undefined),
  });
  sim.runUntil(1000);
  assert.deepEqual(sim.status().containerStatuses![0].state, { waiting: { reason: "CreateContainerConfigError", message: 'configmap "cfg" not found' } });
  assert.ok(sim.events().includes('Failed: Error: configmap "cfg" not found'));
});

test("a start failure counts as a failed run (StartError, exit 128) and goes into back-off", () => {
  const sim = new Sim(makePod({ containers: [app()] }), { images: present, scripts: { app: () => ({ startError: 'exec: "nope": executable file not found in $PATH' }) } });
  sim.runUntil(5000);
  const cs = sim.status().containerStatuses![0];
  assert.equal(cs.state?.waiting?.reason, "CrashLoopBackOff");
  assert.equal(cs.lastState?.terminated?.reason, "StartError");
  assert.equal(cs.lastState?.terminated?.exitCode, 128);
});

test("a container that vanished from the runtime is reported ContainerStatusUnknown and replaced", () => {
  const sim = new Sim(makePod({ containers: [app()] }), { images: present }).runUntil(1000);
  sim.containers.delete("app-0");
  sim.now += 1000;
  sim.feed({ kind: "observed", containers: sim.observed(), at: sim.now });
  sim.runUntil(3000);
  const cs = sim.status().containerStatuses![0];
  assert.equal(cs.lastState?.terminated?.reason, "ContainerStatusUnknown");
  assert.ok(cs.state?.running);
  assert.equal(cs.restartCount, 1);
});

test("a relist taken before a container was created does not count it as vanished", () => {
  const sim = new Sim(makePod({ containers: [app()] }), { images: present }).runUntil(1000);
  const listedBefore = T0 - 1; // the container became known at T0
  sim.now += 500;
  sim.feed({ kind: "observed", containers: [], at: listedBefore });
  assert.ok(sim.status().containerStatuses![0].state?.running, "still running");
  assert.equal(sim.issued("createContainer").length, 1);
});

test("a relist taken while a container was being created cannot make it ContainerStatusUnknown", () => {
  const sim = new Sim(makePod({ containers: [app()] }), { images: present });
  sim.runUntil(0); // created and started at T0
  const stale = sim.observed().map((c) => ({ ...c, status: "unknown" as const }));
  sim.feed({ kind: "observed", containers: stale, at: T0 - 5 });
  assert.ok(sim.status().containerStatuses![0].state?.running, "still running");
  // A listing after the container became known is believed: it is lost now.
  sim.now += 1000;
  sim.feed({ kind: "observed", containers: stale, at: sim.now });
  assert.equal(sim.status().containerStatuses![0].state?.waiting?.reason, "ContainerStatusUnknown");
});

test("an unchanged status is not published twice", () => {
  const sim = new Sim(makePod({ containers: [app()] }), { images: present }).runUntil(1000);
  const before = sim.issued("publishStatus").length;
  sim.feed({ kind: "tick" });
  sim.feed({ kind: "observed", containers: sim.observed(), at: sim.now });
  assert.equal(sim.issued("publishStatus").length, before);
});

test("changing a container's image restarts it with the new image", () => {
  const pod = makePod({ containers: [app()] });
  const sim = new Sim(pod, { images: { [IMG]: "present", "registry.test/app:2": "present" } }).runUntil(1000);
  const updated = structuredClone(pod);
  updated.spec!.containers[0].image = "registry.test/app:2";
  sim.feed({ kind: "desired", pod: updated });
  sim.runUntil(2000);
  assert.ok(sim.events().includes("Killing: Container app definition changed, will be restarted"));
  assert.equal(sim.status().containerStatuses![0].image, "registry.test/app:2");
  assert.equal(sim.containers.get("app-1")?.image, "registry.test/app:2");
});

test("results for an attempt or container the worker no longer waits for are ignored", () => {
  const sim = new Sim(makePod({ containers: [app()] }), { images: present }).runUntil(1000);
  const before = JSON.stringify(sim.state);
  sim.feed({ kind: "probeResult", name: "app", probe: "liveness", containerId: "nope", ok: false, output: "" });
  sim.feed({ kind: "imagePulled", image: IMG, attempt: { name: "app", attempt: 7 }, result: { ok: false, message: "x" } });
  sim.feed({ kind: "containerStopped", container: { id: "other", name: "x", kind: "app", attempt: 0, image: IMG, status: "exited" } });
  assert.equal(JSON.stringify(sim.state), before);
});

test("an exit event (a partial observation) judges only the containers it names", () => {
  const sim = new Sim(makePod({ containers: [app(), { name: "side", image: IMG }], restartPolicy: "Never" }), { images: present }).runUntil(1000);
  sim.now += 1000;
  const exited = { ...sim.observed().find((c) => c.name === "app")!, status: "exited" as const, exitCode: 3, finishedAt: new Date(sim.now).toISOString() };
  sim.feed({ kind: "observed", containers: [exited], at: sim.now, partial: true });
  const byName = new Map(sim.status().containerStatuses!.map((c) => [c.name, c]));
  assert.equal(byName.get("app")?.state?.terminated?.exitCode, 3, "the exit is taken");
  assert.ok(byName.get("side")?.state?.running, "the container the event did not name still runs (not ContainerStatusUnknown)");
  // A full relist that does not list it is believed.
  sim.now += 1000;
  sim.feed({ kind: "observed", containers: [exited], at: sim.now });
  assert.equal(byName.get("side") && sim.status().containerStatuses!.find((c) => c.name === "side")?.state?.terminated?.reason, "ContainerStatusUnknown");
});
