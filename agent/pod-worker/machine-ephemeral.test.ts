// Ephemeral containers (kubectl debug) in the pod worker state machine, on the simulated node of
// testing/sim.ts: added to a running pod they start without touching its other containers, are
// never restarted, join the target's PID namespace (the create names its live instance), count
// for neither phase nor readiness, and stop with the pod.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { EphemeralContainer, Pod } from "kubernetes-types/core/v1";
import { Sim, makePod, T0, type WorldOptions } from "./testing/sim";

const IMG = "registry.test/app:1";
const DEBUG_IMG = "registry.test/busybox:1";
const present: WorldOptions["images"] = { [IMG]: "present", [DEBUG_IMG]: "present" };
const debuggerOf = (extra: Partial<EphemeralContainer> = {}): EphemeralContainer => ({ name: "debugger", image: DEBUG_IMG, stdin: true, tty: true, targetContainerName: "app", ...extra });
const addDebugger = (sim: Sim, extra: Partial<EphemeralContainer> = {}) =>
  sim.update((pod: Pod) => (pod.spec!.ephemeralContainers = [...(pod.spec!.ephemeralContainers ?? []), debuggerOf(extra)]));
const ephemeralStatus = (sim: Sim, name = "debugger") => sim.status().ephemeralContainerStatuses?.find((s) => s.name === name);

test("an ephemeral container added to a running pod starts in the target's PID namespace, touching nothing else", () => {
  const sim = new Sim(makePod({ containers: [{ name: "app", image: IMG }, { name: "side", image: IMG }] }), { images: present }).runUntil(5000);
  assert.equal(sim.status().phase, "Running");
  const before = sim.actions.length;
  addDebugger(sim);
  sim.runUntil(6000);
  const after = sim.actions.slice(before).map((a) => a.action).filter((a) => a.kind !== "event" && a.kind !== "publishStatus");
  assert.deepEqual(after, [
    { kind: "inspectImage", image: DEBUG_IMG, attempt: { name: "debugger", attempt: 0 } },
    { kind: "createContainer", name: "debugger", containerKind: "ephemeral", attempt: 0, target: { name: "app", id: "app-0" } },
    { kind: "startContainer", name: "debugger", id: "debugger-0" },
  ]);
  const s = sim.status();
  assert.equal(s.phase, "Running");
  assert.deepEqual(
    s.conditions!.filter((c) => c.type === "Ready" || c.type === "ContainersReady").map((c) => [c.type, c.status, c.lastTransitionTime]),
    [["Ready", "True", "2025-01-01T00:00:00Z"], ["ContainersReady", "True", "2025-01-01T00:00:00Z"]],
  );
  assert.deepEqual(s.containerStatuses!.map((c) => [c.name, c.containerID, c.restartCount]), [["app", "gantry://app-0", 0], ["side", "gantry://side-0", 0]]);
  assert.deepEqual(ephemeralStatus(sim), {
    name: "debugger",
    image: DEBUG_IMG,
    imageID: `${DEBUG_IMG}@sha256:aa`,
    ready: false,
    restartCount: 0,
    containerID: "gantry://debugger-0",
    state: { running: { startedAt: "2025-01-01T00:00:05Z" } },
    lastState: {},
  });
  assert.deepEqual(sim.events().slice(-3), [`Pulled: Container image "${DEBUG_IMG}" already present on machine`, "Created: Created container debugger", "Started: Started container debugger"]);
});

test("without a target it gets a PID namespace of its own; it is never restarted, whatever the restart policy", () => {
  const sim = new Sim(makePod({ containers: [{ name: "app", image: IMG }] }), { images: present, scripts: { debugger: () => ({ runMs: 2000, exitCode: 3 }) } }).runUntil(1000);
  addDebugger(sim, { targetContainerName: undefined });
  sim.runUntil(600_000);
  assert.deepEqual(sim.issued("createContainer").filter((c) => c.name === "debugger").map((c) => [c.atMs, c.target]), [[1000, undefined]]);
  const s = ephemeralStatus(sim)!;
  assert.equal(s.state?.terminated?.exitCode, 3);
  assert.equal(s.state?.terminated?.reason, "Error");
  assert.equal(s.restartCount, 0);
  assert.equal(sim.status().phase, "Running", "restartPolicy Always and a running app: the pod runs on");
  assert.ok(!sim.events().some((e) => e.startsWith("BackOff")));
});

test("ephemeral containers start while init containers have not finished", () => {
  const pod = makePod({ initContainers: [{ name: "init", image: IMG }], containers: [{ name: "app", image: IMG }] });
  const sim = new Sim(pod, { images: present, scripts: { init: () => ({ runMs: 60_000 }) } }).runUntil(1000);
  addDebugger(sim, { targetContainerName: "init" });
  sim.runUntil(2000);
  assert.deepEqual(sim.issued("createContainer").map((c) => [c.name, c.target?.id]), [["init", undefined], ["debugger", "init-0"]]);
  assert.equal(ephemeralStatus(sim)?.state?.running !== undefined, true);
  assert.equal(sim.status().phase, "Pending");
});

test("a target that is not running: CreateContainerError, retried after the back-off", () => {
  const pod = makePod({ restartPolicy: "Always", initContainers: [{ name: "init", image: IMG }], containers: [{ name: "app", image: IMG }] });
  const sim = new Sim(pod, { images: present, scripts: { init: () => ({ runMs: 500 }) } }).runUntil(2000);
  addDebugger(sim, { targetContainerName: "init" });
  sim.runUntil(2100);
  assert.deepEqual(ephemeralStatus(sim)?.state, { waiting: { reason: "CreateContainerError", message: 'target container "init" is not running' } });
  assert.ok(sim.events().includes('Failed: Error: target container "init" is not running'));
  sim.runUntil(30_000);
  const attempts = sim.issued("createContainer").filter((c) => c.name === "debugger").map((c) => c.atMs);
  assert.deepEqual(attempts, [2000, 12_000], "retried once the 10 s create back-off has passed");
});

test("a pod that finishes stops its ephemeral containers; deletion stops them with the others", () => {
  const done = new Sim(makePod({ restartPolicy: "Never", containers: [{ name: "app", image: IMG }] }), { images: present, scripts: { app: () => ({ runMs: 5000 }) } }).runUntil(1000);
  addDebugger(done);
  done.runUntil(10_000);
  assert.equal(done.status().phase, "Succeeded");
  assert.deepEqual(done.issued("stopContainer").map((s) => [s.name, s.atMs]), [["debugger", 5000]]);
  assert.equal(ephemeralStatus(done)?.state?.terminated?.exitCode, 143);
  assert.equal(done.containersStopped(), true);

  const deleted = new Sim(makePod({ containers: [{ name: "app", image: IMG }] }), { images: present }).runUntil(1000);
  addDebugger(deleted);
  deleted.runUntil(2000);
  deleted.update((pod) => (pod.metadata = { ...pod.metadata, deletionTimestamp: "2025-01-01T00:00:02Z", deletionGracePeriodSeconds: 5 }));
  deleted.runUntil(3000);
  assert.deepEqual(deleted.issued("stopContainer").map((s) => [s.name, s.graceSeconds]).sort(), [["app", 5], ["debugger", 5]]);
  deleted.feed({ kind: "remove" });
  deleted.runUntil(4000);
  assert.deepEqual(deleted.issued("removeContainer").map((r) => r.id).sort(), ["app-0", "debugger-0"]);
  assert.equal(deleted.finished, true);
});

test("after an agent restart a running ephemeral container is adopted, not started again", () => {
  const pod = makePod({ containers: [{ name: "app", image: IMG }], ephemeralContainers: [debuggerOf()] });
  const started = new Date(T0 - 30_000).toISOString();
  const sim = new Sim(pod, { images: present }, [
    { id: "app-0", name: "app", kind: "app", attempt: 0, image: IMG, status: "running", startedAt: started },
    { id: "debugger-0", name: "debugger", kind: "ephemeral", attempt: 0, image: DEBUG_IMG, status: "running", startedAt: started },
  ]).runUntil(60_000);
  assert.equal(sim.issued("createContainer").length, 0);
  assert.equal(sim.issued("stopContainer").length, 0);
  assert.deepEqual(ephemeralStatus(sim)?.state, { running: { startedAt: "2024-12-31T23:59:30Z" } });
});
