// The agent's PodStatus (proto) merged into a Pod's v1 status. Pure. The agent owns phase,
// IPs, start time, container statuses and its conditions; the master keeps what it owns
// (PodScheduled, DisruptionTarget, qosClass set at creation, nominatedNodeName).

import type { JsonObject, KubeObject } from "../../api/object";
import { PodPhase, type ContainerState, type ContainerStatus, type PodCondition, type PodStatus } from "../../proto/gen/agent";

const AGENT_CONDITIONS = new Set(["PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready"]);
const TERMINAL = new Set(["Succeeded", "Failed"]);

export function phaseName(phase: PodPhase): string | undefined {
  switch (phase) {
    case PodPhase.POD_PHASE_PENDING:
      return "Pending";
    case PodPhase.POD_PHASE_RUNNING:
      return "Running";
    case PodPhase.POD_PHASE_SUCCEEDED:
      return "Succeeded";
    case PodPhase.POD_PHASE_FAILED:
      return "Failed";
    case PodPhase.POD_PHASE_UNKNOWN:
      return "Unknown";
    default:
      return undefined;
  }
}

/** The pod's status after the agent's report. */
export function mergePodStatus(pod: KubeObject, s: PodStatus): JsonObject {
  const current = { ...((pod.status ?? {}) as JsonObject) };
  const out: JsonObject = current;
  const reported = phaseName(s.phase);
  const oldPhase = current.phase as string | undefined;
  // A pod that finished never runs again (Kubernetes refuses the transition too).
  if (reported && !(oldPhase && TERMINAL.has(oldPhase) && !TERMINAL.has(reported))) out.phase = reported;

  const kept = ((current.conditions ?? []) as JsonObject[]).filter((c) => !AGENT_CONDITIONS.has(String(c.type)) || !s.conditions.some((n) => n.type === c.type));
  const conditions = [...kept, ...s.conditions.map(toCondition)];
  if (conditions.length > 0) out.conditions = conditions;

  setOrDelete(out, "hostIP", s.hostIp);
  if (s.hostIp) out.hostIPs = [{ ip: s.hostIp }];
  setOrDelete(out, "podIP", s.podIp || s.podIps[0]);
  const podIps = s.podIps.length > 0 ? s.podIps : s.podIp ? [s.podIp] : [];
  if (podIps.length > 0) out.podIPs = podIps.map((ip) => ({ ip }));
  else delete out.podIPs;
  if (s.startTime) out.startTime = s.startTime;
  setOrDelete(out, "reason", s.reason);
  setOrDelete(out, "message", s.message);
  if (!current.qosClass && s.qosClass) out.qosClass = s.qosClass;
  if (s.initContainerStatuses.length > 0) out.initContainerStatuses = s.initContainerStatuses.map(toContainerStatus);
  if (s.containerStatuses.length > 0) out.containerStatuses = s.containerStatuses.map(toContainerStatus);
  if (s.ephemeralContainerStatuses.length > 0) out.ephemeralContainerStatuses = s.ephemeralContainerStatuses.map(toContainerStatus);
  return out;
}

function toCondition(c: PodCondition): JsonObject {
  const out: JsonObject = { type: c.type, status: c.status };
  if (c.lastProbeTime) out.lastProbeTime = c.lastProbeTime;
  if (c.lastTransitionTime) out.lastTransitionTime = c.lastTransitionTime;
  if (c.reason) out.reason = c.reason;
  if (c.message) out.message = c.message;
  return out;
}

function toContainerStatus(c: ContainerStatus): JsonObject {
  const out: JsonObject = {
    name: c.name,
    state: toState(c.state),
    lastState: toState(c.lastState),
    ready: c.ready,
    restartCount: c.restartCount,
    image: c.image,
    imageID: c.imageId,
  };
  if (c.containerId) out.containerID = c.containerId;
  if (c.started !== undefined) out.started = c.started;
  return out;
}

function toState(state: ContainerState | undefined): JsonObject {
  const s = state?.state;
  if (!s) return {};
  switch (s.$case) {
    case "waiting":
      return { waiting: compact({ reason: s.waiting.reason, message: s.waiting.message }) };
    case "running":
      return { running: compact({ startedAt: s.running.startedAt }) };
    case "terminated": {
      const t = s.terminated;
      return {
        terminated: {
          exitCode: t.exitCode,
          ...(t.signal ? { signal: t.signal } : {}),
          ...compact({ reason: t.reason, message: t.message, startedAt: t.startedAt, finishedAt: t.finishedAt, containerID: t.containerId }),
        },
      };
    }
  }
}

function compact(fields: Record<string, string>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(fields)) if (v) out[k] = v;
  return out;
}

function setOrDelete(obj: JsonObject, key: string, value: string | undefined): void {
  if (value) obj[key] = value;
  else delete obj[key];
}
