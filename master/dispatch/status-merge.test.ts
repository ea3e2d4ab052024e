import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../../api/object";
import { Event, Event_Type, NodeStatus, PodPhase, PodStatus } from "../../proto/gen/agent";
import { eventObject, eventObjectKey, updateEventObject } from "./agent-events";
import { mergeNodeStatus, microTime, nodeLease } from "./node-status";
import { mergePodStatus } from "./pod-status";

const pod: KubeObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web", namespace: "default", uid: "u1", resourceVersion: "10" },
  spec: { nodeName: "n1", initContainers: [{ name: "init" }], containers: [{ name: "app" }] },
  status: {
    phase: "Pending",
    qosClass: "BestEffort",
    conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: "2025-01-01T00:00:00Z" }],
  },
};

test("the agent's pod status lands in v1 shape, keeping the master's fields", () => {
  const s = PodStatus.fromPartial({
    uid: "u1",
    phase: PodPhase.POD_PHASE_RUNNING,
    podIp: "10.244.0.5",
    podIps: ["10.244.0.5"],
    hostIp: "192.168.1.2",
    startTime: "2025-01-01T00:00:01Z",
    qosClass: "Burstable",
    conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2025-01-01T00:00:03Z" }],
    containerStatuses: [
      {
        name: "app",
        ready: true,
        restartCount: 1,
        image: "busybox",
        imageId: "docker.io/library/busybox@sha256:abc",
        containerId: "gantry://123",
        started: true,
        state: { state: { $case: "running", running: { startedAt: "2025-01-01T00:00:02Z" } } },
        lastState: { state: { $case: "terminated", terminated: { exitCode: 137, signal: 9, reason: "OOMKilled", finishedAt: "2025-01-01T00:00:01Z" } } },
      },
    ],
  });
  const out = mergePodStatus(pod, s);
  assert.equal(out.phase, "Running");
  assert.equal(out.podIP, "10.244.0.5");
  assert.deepEqual(out.podIPs, [{ ip: "10.244.0.5" }]);
  assert.deepEqual(out.hostIPs, [{ ip: "192.168.1.2" }]);
  assert.equal(out.qosClass, "BestEffort", "qosClass is fixed at creation");
  assert.deepEqual(
    (out.conditions as { type: string }[]).map((c) => c.type),
    ["PodScheduled", "Ready"],
  );
  assert.deepEqual(out.containerStatuses, [
    {
      name: "app",
      state: { running: { startedAt: "2025-01-01T00:00:02Z" } },
      lastState: { terminated: { exitCode: 137, signal: 9, reason: "OOMKilled", finishedAt: "2025-01-01T00:00:01Z" } },
      ready: true,
      restartCount: 1,
      image: "busybox",
      imageID: "docker.io/library/busybox@sha256:abc",
      containerID: "gantry://123",
      started: true,
    },
  ]);
  // Merging the same report again changes nothing: the dispatcher skips such writes.
  assert.deepEqual(mergePodStatus({ ...pod, status: out }, s), out);
});

test("ephemeral container statuses (kubectl debug) are copied, without a started field", () => {
  const s = PodStatus.fromPartial({
    phase: PodPhase.POD_PHASE_RUNNING,
    ephemeralContainerStatuses: [{ name: "debugger", image: "busybox", imageId: "busybox@sha256:1", containerId: "gantry://9", state: { state: { $case: "running", running: { startedAt: "2025-01-01T00:00:05Z" } } } }],
  });
  assert.deepEqual(mergePodStatus(pod, s).ephemeralContainerStatuses, [
    { name: "debugger", state: { running: { startedAt: "2025-01-01T00:00:05Z" } }, lastState: {}, ready: false, restartCount: 0, image: "busybox", imageID: "busybox@sha256:1", containerID: "gantry://9" },
  ]);
});

test("a finished pod does not go back to Running", () => {
  const done = { ...pod, status: { phase: "Succeeded" } };
  assert.equal(mergePodStatus(done, PodStatus.fromPartial({ phase: PodPhase.POD_PHASE_RUNNING })).phase, "Succeeded");
  assert.equal(mergePodStatus(done, PodStatus.fromPartial({ phase: PodPhase.POD_PHASE_FAILED })).phase, "Failed");
});

const node: KubeObject = {
  apiVersion: "v1",
  kind: "Node",
  metadata: { name: "n1", uid: "node-uid" },
  status: {
    addresses: [{ type: "InternalIP", address: "10.0.0.1" }],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    conditions: [
      { type: "Ready", status: "True", lastHeartbeatTime: "2025-01-01T00:00:00Z", lastTransitionTime: "2024-12-31T00:00:00Z" },
      { type: "NetworkUnavailable", status: "False", lastTransitionTime: "2024-12-31T00:00:00Z" },
    ],
    nodeInfo: { kernelVersion: "6.1", kubeletVersion: "v0.1" },
  },
};

test("a heartbeat without a NodeStatus refreshes only Ready's lastHeartbeatTime", () => {
  const out = mergeNodeStatus(node, undefined, "2025-01-01T00:01:00Z");
  const conds = out.conditions as Record<string, string>[];
  assert.equal(conds[0].lastHeartbeatTime, "2025-01-01T00:01:00Z");
  assert.equal(conds[0].lastTransitionTime, "2024-12-31T00:00:00Z");
  assert.equal(conds[1].lastHeartbeatTime, undefined);
  assert.deepEqual(out.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
});

test("NodeStatus sets resources, info and conditions; transitions are dated when the status flips", () => {
  const report = NodeStatus.fromPartial({
    capacity: { cpu: "4", memory: "8Gi", pods: "110" },
    allocatable: { cpu: "3800m", memory: "7Gi", pods: "110" },
    conditions: [
      { type: "Ready", status: "False", reason: "RuntimeDown", message: "runc missing" },
      { type: "MemoryPressure", status: "False" },
    ],
    nodeInfo: { kernelVersion: "", osImage: "Debian", agentVersion: "v1.2", architecture: "amd64", operatingSystem: "linux" },
    addresses: [{ type: "Hostname", address: "n1" }],
  });
  const out = mergeNodeStatus(node, report, "2025-01-01T00:02:00Z");
  assert.deepEqual(out.capacity, { cpu: "4", memory: "8Gi", pods: "110" });
  const byType = Object.fromEntries((out.conditions as Record<string, string>[]).map((c) => [c.type, c]));
  assert.equal(byType.Ready.status, "False");
  assert.equal(byType.Ready.lastTransitionTime, "2025-01-01T00:02:00Z");
  assert.equal(byType.Ready.reason, "RuntimeDown");
  assert.equal(byType.MemoryPressure.lastHeartbeatTime, "2025-01-01T00:02:00Z");
  assert.equal(byType.NetworkUnavailable.status, "False", "conditions the agent does not report are kept");
  const info = out.nodeInfo as Record<string, string>;
  assert.equal(info.kernelVersion, "6.1", "empty fields keep the registered value");
  assert.equal(info.kubeletVersion, "v1.2");
  assert.equal(info.osImage, "Debian");
  assert.deepEqual(out.addresses, [{ type: "InternalIP", address: "10.0.0.1" }], "addresses without an InternalIP do not replace the dialled one");

  const again = mergeNodeStatus({ ...node, status: out }, report, "2025-01-01T00:03:00Z");
  const ready = (again.conditions as Record<string, string>[]).find((c) => c.type === "Ready")!;
  assert.equal(ready.lastTransitionTime, "2025-01-01T00:02:00Z");
  assert.equal(ready.lastHeartbeatTime, "2025-01-01T00:03:00Z");
});

test("the node Lease is held by the node and owned by the Node object", () => {
  const now = new Date("2025-01-01T00:00:05.123Z");
  const lease = nodeLease(node, now);
  assert.deepEqual(lease.metadata, { name: "n1", namespace: "kube-node-lease", ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "n1", uid: "node-uid" }] });
  assert.deepEqual(lease.spec, { holderIdentity: "n1", leaseDurationSeconds: 40, renewTime: "2025-01-01T00:00:05.123000Z" });
  assert.equal(microTime(now), "2025-01-01T00:00:05.123000Z");
  const renewed = nodeLease(node, new Date("2025-01-01T00:00:15Z"), { ...lease, metadata: { ...lease.metadata, resourceVersion: "7" } });
  assert.equal(renewed.metadata.resourceVersion, "7");
  assert.equal((renewed.spec as { renewTime: string }).renewTime, "2025-01-01T00:00:15.000000Z");
});

test("agent events become kubelet Events, one object per series", () => {
  const e = Event.fromPartial({ seriesId: "s-1", type: Event_Type.TYPE_WARNING, reason: "BackOff", message: "Back-off restarting", podUid: "u1", podNamespace: "default", podName: "web", containerName: "init", count: 3, firstTimestamp: "2025-01-01T00:00:00Z", lastTimestamp: "2025-01-01T00:00:09Z" });
  const obj = eventObject("n1", e, "2025-01-01T00:00:10Z", node, pod);
  const key = eventObjectKey("n1", e);
  assert.equal(obj.metadata.name, key.name);
  assert.match(key.name, /^web\.[0-9a-f]{16}$/);
  assert.deepEqual(obj.involvedObject, { apiVersion: "v1", kind: "Pod", namespace: "default", name: "web", uid: "u1", resourceVersion: "10", fieldPath: "spec.initContainers{init}" });
  assert.deepEqual(obj.source, { component: "kubelet", host: "n1" });
  assert.equal(obj.type, "Warning");
  assert.equal(obj.count, 3);
  assert.equal(eventObjectKey("n1", { ...e, count: 4 }).name, key.name, "repeats of a series map to the same object");
  assert.notEqual(eventObjectKey("n2", e).name, key.name);
  const bumped = updateEventObject(obj, eventObject("n1", { ...e, count: 5, lastTimestamp: "2025-01-01T00:01:00Z" }, "x", node, pod));
  assert.equal(bumped.count, 5);
  assert.equal(bumped.lastTimestamp, "2025-01-01T00:01:00Z");
  assert.equal(bumped.firstTimestamp, "2025-01-01T00:00:00Z");

  // Names follow the series' first time (milliseconds on the wire), so listing by name lists
  // events in the order they happened; Event times stay whole seconds.
  const at = (seriesId: string, firstTimestamp: string) => eventObjectKey("n1", { ...e, seriesId, firstTimestamp }).name;
  const names = [at("z", "2025-01-01T00:00:01.001Z"), at("a", "2025-01-01T00:00:01.002Z"), at("m", "2025-01-01T00:00:01.250Z"), at("b", "2025-01-01T00:00:02Z")];
  assert.deepEqual([...names].sort(), names);
  assert.equal(eventObject("n1", { ...e, firstTimestamp: "2025-01-01T00:00:01.250Z", lastTimestamp: "2025-01-01T00:00:03.999Z" }, "x", node, pod).firstTimestamp, "2025-01-01T00:00:01Z");

  const nodeEvent = eventObject("n1", Event.fromPartial({ seriesId: "boot", type: Event_Type.TYPE_NORMAL, reason: "Starting", message: "Starting agent." }), "2025-01-01T00:00:00Z", node);
  assert.equal(nodeEvent.metadata.namespace, "default");
  assert.deepEqual(nodeEvent.involvedObject, { apiVersion: "v1", kind: "Node", name: "n1", uid: "node-uid" });
});
