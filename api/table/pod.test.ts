import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../object";
import { podPrinter } from "./pod";
import { HOUR, MINUTE, NOW, SECOND, ago } from "./testing/clock";

type Json = Record<string, unknown>;

function pod(spec: Json, status: Json, meta: Json = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web-7d4b9c", namespace: "default", creationTimestamp: ago(5 * HOUR), ...meta },
    spec: { containers: [{ name: "web", image: "nginx:1.27" }], ...spec },
    status,
  };
}

function running(name: string, extra: Json = {}): Json {
  return { name, ready: true, started: true, restartCount: 0, image: "nginx:1.27", imageID: "", state: { running: { startedAt: ago(HOUR) } }, ...extra };
}

function waiting(name: string, reason: string, extra: Json = {}): Json {
  return { name, ready: false, started: false, restartCount: 0, image: "x", imageID: "", state: { waiting: { reason } }, ...extra };
}

function terminated(name: string, exitCode: number, reason?: string, extra: Json = {}): Json {
  const t: Json = { exitCode, startedAt: ago(HOUR), finishedAt: ago(30 * MINUTE) };
  if (reason) t.reason = reason;
  return { name, ready: false, started: false, restartCount: 0, image: "x", imageID: "", state: { terminated: t }, ...extra };
}

const cells = (p: KubeObject) => podPrinter.print(p, NOW).cells;
const status = (p: KubeObject) => cells(p)[2];

test("a running pod with 2/2 ready and 3 restarts, the last 5 minutes ago", () => {
  const p = pod(
    { containers: [{ name: "web", image: "nginx" }, { name: "sidecar", image: "envoy" }], nodeName: "node1" },
    {
      phase: "Running",
      podIP: "10.244.1.5",
      podIPs: [{ ip: "10.244.1.5" }],
      conditions: [{ type: "Ready", status: "True" }],
      containerStatuses: [
        running("web", {
          restartCount: 3,
          lastState: { terminated: { exitCode: 137, reason: "OOMKilled", startedAt: ago(20 * MINUTE), finishedAt: ago(5 * MINUTE) } },
        }),
        running("sidecar"),
      ],
    },
  );
  assert.deepEqual(cells(p), ["web-7d4b9c", "2/2", "Running", "3 (5m ago)", "5h", "10.244.1.5", "node1", "<none>", "<none>"]);
  assert.equal(podPrinter.columns.length, cells(p).length);
});

test("restarts without a recorded termination time print the bare count", () => {
  const p = pod({}, { phase: "Running", containerStatuses: [running("web", { restartCount: 2 })] });
  assert.equal(cells(p)[3], "2");
});

test("the most recent termination across containers dates the restarts", () => {
  const p = pod(
    { containers: [{ name: "a" }, { name: "b" }] },
    {
      phase: "Running",
      containerStatuses: [
        running("a", { restartCount: 1, lastState: { terminated: { exitCode: 1, finishedAt: ago(3 * HOUR) } } }),
        running("b", { restartCount: 4, lastState: { terminated: { exitCode: 1, finishedAt: ago(90 * SECOND) } } }),
      ],
    },
  );
  assert.equal(cells(p)[3], "5 (90s ago)");
});

test("waiting reasons become the status: image pulls, creation, crash loops", () => {
  const pending = (reason: string) => pod({}, { phase: "Pending", containerStatuses: [waiting("web", reason)] });
  assert.equal(status(pending("ImagePullBackOff")), "ImagePullBackOff");
  assert.equal(status(pending("ErrImagePull")), "ErrImagePull");
  assert.equal(status(pending("ContainerCreating")), "ContainerCreating");
  const crashing = pod(
    {},
    {
      phase: "Running",
      containerStatuses: [
        waiting("web", "CrashLoopBackOff", { restartCount: 6, lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: ago(40 * SECOND) } } }),
      ],
    },
  );
  assert.deepEqual(cells(crashing).slice(1, 4), ["0/1", "CrashLoopBackOff", "6 (40s ago)"]);
});

test("terminated containers: Completed, Error, OOMKilled, and exit codes or signals without a reason", () => {
  const done = (c: Json, phase = "Failed") => pod({}, { phase, containerStatuses: [c] });
  assert.equal(status(done(terminated("web", 0, "Completed"), "Succeeded")), "Completed");
  assert.equal(status(done(terminated("web", 1, "Error"))), "Error");
  assert.equal(status(done(terminated("web", 137, "OOMKilled"))), "OOMKilled");
  assert.equal(status(done(terminated("web", 3))), "ExitCode:3");
  assert.equal(status(done(terminated("web", 0, undefined, { state: { terminated: { exitCode: 0, signal: 9 } } }))), "Signal:9");
});

test("the first container's state wins when several explain the status", () => {
  const p = pod(
    { containers: [{ name: "a" }, { name: "b" }] },
    { phase: "Pending", containerStatuses: [waiting("a", "ErrImagePull"), waiting("b", "ContainerCreating")] },
  );
  assert.equal(status(p), "ErrImagePull");
});

test("a finished container next to a running one reads Running, or NotReady without the Ready condition", () => {
  const status2 = (conditions: Json[]) =>
    status(
      pod(
        { containers: [{ name: "job" }, { name: "proxy" }] },
        { phase: "Running", conditions, containerStatuses: [terminated("job", 0, "Completed"), running("proxy")] },
      ),
    );
  assert.equal(status2([{ type: "Ready", status: "True" }]), "Running");
  assert.equal(status2([{ type: "Ready", status: "False" }]), "NotReady");
});

test("init containers: progress, failures and back-off", () => {
  const spec = { initContainers: [{ name: "migrate" }, { name: "warm" }] };
  const withInit = (...statuses: Json[]) => pod(spec, { phase: "Pending", initContainerStatuses: statuses, containerStatuses: [waiting("web", "PodInitializing")] });
  assert.equal(status(withInit(running("migrate", { ready: false }), waiting("warm", "PodInitializing"))), "Init:0/2");
  assert.equal(status(withInit(terminated("migrate", 0, "Completed"), running("warm", { ready: false }))), "Init:1/2");
  assert.equal(status(withInit(terminated("migrate", 1, "Error"), waiting("warm", "PodInitializing"))), "Init:Error");
  assert.equal(status(withInit(terminated("migrate", 2), waiting("warm", "PodInitializing"))), "Init:ExitCode:2");
  const looping = withInit(waiting("migrate", "CrashLoopBackOff", { restartCount: 4, lastState: { terminated: { exitCode: 1, finishedAt: ago(MINUTE) } } }));
  assert.deepEqual(cells(looping).slice(1, 4), ["0/1", "Init:CrashLoopBackOff", "4 (60s ago)"]);
  // Once initialised, completed init containers' restarts no longer count.
  const initialised = pod(spec, {
    phase: "Running",
    conditions: [{ type: "Initialized", status: "True" }],
    initContainerStatuses: [terminated("migrate", 0, "Completed", { restartCount: 2 }), terminated("warm", 0, "Completed")],
    containerStatuses: [running("web")],
  });
  assert.deepEqual(cells(initialised).slice(1, 4), ["1/1", "Running", "0"]);
});

test("a started sidecar (restartable init container) counts towards READY and RESTARTS", () => {
  const p = pod(
    { initContainers: [{ name: "mesh", restartPolicy: "Always" }] },
    {
      phase: "Running",
      conditions: [{ type: "Initialized", status: "True" }, { type: "Ready", status: "True" }],
      initContainerStatuses: [running("mesh", { restartCount: 1, lastState: { terminated: { exitCode: 1, finishedAt: ago(10 * MINUTE) } } })],
      containerStatuses: [running("web")],
    },
  );
  assert.deepEqual(cells(p).slice(1, 4), ["2/2", "Running", "1 (10m ago)"]);
});

test("deletion: Terminating, except for finished pods and pods on a lost node", () => {
  const deleting = { deletionTimestamp: ago(-30 * SECOND), deletionGracePeriodSeconds: 30 };
  assert.equal(status(pod({}, { phase: "Running", containerStatuses: [running("web")] }, deleting)), "Terminating");
  assert.equal(status(pod({}, { phase: "Succeeded", containerStatuses: [terminated("web", 0, "Completed")] }, deleting)), "Completed");
  assert.equal(status(pod({}, { phase: "Running", reason: "NodeLost", containerStatuses: [running("web")] }, deleting)), "Unknown");
  assert.equal(status(pod({}, { phase: "Running", reason: "NodeLost", containerStatuses: [running("web")] })), "NodeLost");
});

test("pod-level reasons and phases show when containers do not override them", () => {
  assert.equal(status(pod({}, { phase: "Failed", reason: "Evicted", message: "The node was low on resource: memory." })), "Evicted");
  assert.equal(
    status(pod({}, { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }] })),
    "SchedulingGated",
  );
  const unscheduled = pod({}, { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] });
  assert.deepEqual(cells(unscheduled), ["web-7d4b9c", "0/1", "Pending", "0", "5h", "<none>", "<none>", "<none>", "<none>"]);
});

test("finished pods carry a Completed row condition", () => {
  const ok = podPrinter.print(pod({}, { phase: "Succeeded", containerStatuses: [terminated("web", 0, "Completed")] }), NOW);
  assert.deepEqual(ok.conditions, [{ type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." }]);
  const failed = podPrinter.print(pod({}, { phase: "Failed", containerStatuses: [terminated("web", 1, "Error")] }), NOW);
  assert.deepEqual(failed.conditions, [{ type: "Completed", status: "True", reason: "Failed", message: "The pod failed." }]);
  assert.equal(podPrinter.print(pod({}, { phase: "Running" }), NOW).conditions, undefined);
});

test("wide cells: IP from podIP or podIPs, nominated node, readiness gates", () => {
  const p = pod(
    { nodeName: "node2", readinessGates: [{ conditionType: "example.com/lb" }, { conditionType: "example.com/dns" }] },
    {
      phase: "Running",
      podIPs: [{ ip: "fd00::7" }, { ip: "10.244.2.7" }],
      nominatedNodeName: "node3",
      conditions: [{ type: "example.com/lb", status: "True" }, { type: "example.com/dns", status: "False" }],
      containerStatuses: [running("web")],
    },
  );
  assert.deepEqual(cells(p).slice(5), ["fd00::7", "node2", "node3", "1/2"]);
});
