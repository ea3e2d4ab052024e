// Agent status and events -> the proto messages the master reads (proto/agent.proto).

import type { ContainerState as K8sContainerState, ContainerStatus as K8sContainerStatus } from "kubernetes-types/core/v1";
import {
  ContainerState,
  ContainerStatus,
  Event,
  Event_Type,
  PodPhase,
  PodStatus,
} from "../../proto/gen/agent";
import type { FoldedEvent } from "../status/events";
import type { PodStatusRecord } from "../status/reporter";

const PHASES: Record<string, PodPhase> = {
  Pending: PodPhase.POD_PHASE_PENDING,
  Running: PodPhase.POD_PHASE_RUNNING,
  Succeeded: PodPhase.POD_PHASE_SUCCEEDED,
  Failed: PodPhase.POD_PHASE_FAILED,
  Unknown: PodPhase.POD_PHASE_UNKNOWN,
};

function state(s: K8sContainerState | undefined): ContainerState | undefined {
  if (!s) return undefined;
  if (s.running) return { state: { $case: "running", running: { startedAt: s.running.startedAt ?? "" } } };
  if (s.waiting) return { state: { $case: "waiting", waiting: { reason: s.waiting.reason ?? "", message: s.waiting.message ?? "" } } };
  if (s.terminated) {
    const t = s.terminated;
    return {
      state: {
        $case: "terminated",
        terminated: {
          exitCode: t.exitCode,
          signal: t.signal ?? 0,
          reason: t.reason ?? "",
          message: t.message ?? "",
          startedAt: t.startedAt ?? "",
          finishedAt: t.finishedAt ?? "",
          containerId: t.containerID ?? "",
        },
      },
    };
  }
  return undefined;
}

function container(c: K8sContainerStatus): ContainerStatus {
  const out = ContainerStatus.fromPartial({
    name: c.name,
    ready: c.ready,
    restartCount: c.restartCount,
    image: c.image,
    imageId: c.imageID,
    containerId: c.containerID ?? "",
  });
  const st = state(c.state);
  if (st) out.state = st;
  const last = state(c.lastState);
  if (last) out.lastState = last;
  if (c.started !== undefined) out.started = c.started;
  return out;
}

export function podStatusToProto(r: PodStatusRecord): PodStatus {
  const s = r.status;
  const statuses = s.containerStatuses ?? [];
  return PodStatus.fromPartial({
    uid: r.uid,
    namespace: r.namespace,
    name: r.name,
    phase: PHASES[s.phase ?? ""] ?? PodPhase.POD_PHASE_UNSPECIFIED,
    conditions: (s.conditions ?? []).map((c) => ({
      type: c.type,
      status: c.status,
      reason: c.reason ?? "",
      message: c.message ?? "",
      lastProbeTime: c.lastProbeTime ?? "",
      lastTransitionTime: c.lastTransitionTime ?? "",
    })),
    initContainerStatuses: (s.initContainerStatuses ?? []).map(container),
    containerStatuses: statuses.map(container),
    ephemeralContainerStatuses: (s.ephemeralContainerStatuses ?? []).map(container),
    ready: (s.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
    restartCount: statuses.reduce((n, c) => n + c.restartCount, 0),
    podIp: s.podIP ?? "",
    podIps: (s.podIPs ?? []).map((p) => p.ip ?? ""),
    hostIp: s.hostIP ?? "",
    startTime: s.startTime ?? "",
    reason: s.reason ?? "",
    message: s.message ?? "",
    qosClass: s.qosClass ?? "",
    containersStopped: r.containersStopped,
    observedResourceVersion: r.observedResourceVersion,
  });
}

export function eventToProto(e: FoldedEvent): Event {
  return Event.fromPartial({
    seriesId: e.seriesId,
    type: e.type === "Warning" ? Event_Type.TYPE_WARNING : Event_Type.TYPE_NORMAL,
    reason: e.reason,
    message: e.message,
    podUid: e.podUid,
    podNamespace: e.podNamespace,
    podName: e.podName,
    containerName: e.container ?? "",
    count: e.count,
    // Milliseconds: the master names the Event after the series' first time (events list in order).
    firstTimestamp: new Date(e.firstTimestamp).toISOString(),
    lastTimestamp: new Date(e.lastTimestamp).toISOString(),
  });
}
