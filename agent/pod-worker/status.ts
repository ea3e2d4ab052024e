// The pod's status as the kubelet would write it, computed from the worker state: container
// statuses (state, lastState, ready, started, restartCount), the phase (the kubelet's getPhase
// rules, over those statuses) and the conditions the agent owns. Ephemeral containers get
// statuses of their own and count for neither phase nor readiness.

import type { Container, ContainerState, ContainerStatus, PodCondition, PodStatus } from "kubernetes-types/core/v1";
import { computeQosClass } from "../../api/lifecycle/qos";
import type { KubeObject } from "../../api/object";
import { normalizeTime, rfc3339 } from "./messages";
import { initSucceeded } from "./reconcile";
import { appSpecs, ephemeralSpecs, initSpecs, type ContainerRecord, type Instance, type PodWorkerState } from "./state";
import type { ContainerKind } from "./types";
import { anyActive, isTerminating } from "./termination";

export type Phase = "Pending" | "Running" | "Succeeded" | "Failed";

export function terminated(inst: Instance): ContainerState {
  const exitCode = inst.exitCode ?? 137;
  const reason = inst.reason ?? (inst.oomKilled ? "OOMKilled" : exitCode === 0 ? "Completed" : "Error");
  return {
    terminated: {
      exitCode,
      reason,
      ...(inst.message ? { message: inst.message } : {}),
      startedAt: normalizeTime(inst.startedAt),
      finishedAt: normalizeTime(inst.finishedAt),
      containerID: `gantry://${inst.id}`,
    },
  };
}

function containerStatus(state: PodWorkerState, spec: Container, rec: ContainerRecord | undefined, kind: ContainerKind): ContainerStatus {
  const inst = rec?.current;
  const status: ContainerStatus = {
    name: spec.name,
    image: spec.image ?? "",
    imageID: inst?.imageId ?? "",
    ready: false,
    restartCount: inst?.attempt ?? 0,
    started: false,
  };
  if (inst) status.containerID = `gantry://${inst.id}`;
  const previous = rec?.previous ? terminated(rec.previous) : undefined;
  const waiting = (reason: string, message = ""): ContainerState => ({ waiting: message ? { reason, message } : { reason } });
  if (!inst) {
    const fallback = kind === "init" || !state.initialized ? "PodInitializing" : "ContainerCreating";
    status.state = waiting(rec?.waiting?.reason ?? fallback, rec?.waiting?.message);
    status.lastState = {};
    return status;
  }
  switch (inst.phase) {
    case "running": {
      const { startup, readiness } = inst.probes;
      const started = !startup || startup.result === "success";
      status.state = { running: { startedAt: normalizeTime(inst.startedAt) } };
      status.started = started;
      status.ready = started && (!readiness || readiness.result === "success");
      status.lastState = previous ?? {};
      break;
    }
    case "created":
      status.state = waiting("ContainerCreating");
      status.lastState = previous ?? {};
      break;
    case "unknown":
      status.state = waiting("ContainerStatusUnknown", "The container state could not be read from the runtime");
      status.lastState = previous ?? {};
      break;
    case "exited":
      if (rec?.waiting) {
        status.state = waiting(rec.waiting.reason, rec.waiting.message);
        status.lastState = terminated(inst);
      } else {
        status.state = terminated(inst);
        status.lastState = previous ?? {};
      }
      break;
  }
  if (kind === "ephemeral") {
    // Never ready and no startup state: the kubelet's probe manager does not look at them.
    status.ready = false;
    delete status.started;
  }
  return status;
}

/** The kubelet's getPhase, over API container statuses. */
export function computePhase(restartPolicy: string, init: ContainerStatus[], app: ContainerStatus[]): Phase {
  let pendingInit = 0;
  let failedInit = 0;
  for (const s of init) {
    if (s.state?.running) pendingInit++;
    else if (s.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.state?.waiting && s.lastState?.terminated) {
      if (s.lastState.terminated.exitCode !== 0) failedInit++;
    } else pendingInit++;
  }
  if (failedInit > 0 && restartPolicy === "Never") return "Failed";
  let waiting = 0;
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of app) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else waiting++;
  }
  if (pendingInit > 0 || failedInit > 0 || waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped === 0) return "Pending";
  if (restartPolicy === "Always") return "Running";
  if (stopped === succeeded) return "Succeeded";
  if (restartPolicy === "Never") return "Failed";
  return "Running";
}

function condition(state: PodWorkerState, type: string, status: "True" | "False", now: number, reason?: string, message?: string): PodCondition {
  const prev = state.conditions[type];
  const since = prev && prev.status === status ? prev.since : now;
  state.conditions[type] = { status, reason, message, since };
  const c: PodCondition = { type, status, lastTransitionTime: rfc3339(since) };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

/** Builds the status; also records terminal phases and condition transitions in the state. */
export function buildStatus(state: PodWorkerState, now: number): { status: PodStatus; containersStopped: boolean } {
  const pod = state.pod;
  const policy = pod.spec?.restartPolicy ?? "Always";
  const init = initSpecs(pod).map((c) => containerStatus(state, c, state.containers[c.name], "init"));
  const app = appSpecs(pod).map((c) => containerStatus(state, c, state.containers[c.name], "app"));

  const ephemeral = ephemeralSpecs(pod).map((c) => containerStatus(state, c, state.containers[c.name], "ephemeral"));

  let phase: Phase = state.terminalPhase ?? computePhase(policy, init, app);
  // Ephemeral containers do not hold a pod open: it finishes, and they are stopped (reconcile.ts).
  if ((phase === "Succeeded" || phase === "Failed") && !anyActive(state, { ephemeral: false })) state.terminalPhase = phase;
  const stopped = !anyActive(state) && (isTerminating(state) || state.terminalPhase !== undefined);
  // A deleted pod whose containers have all stopped is terminal (kubelet ≥ 1.27): Succeeded only
  // if the rules above say so, otherwise Failed.
  if (stopped && isTerminating(state) && phase !== "Succeeded") phase = "Failed";

  const conditions: PodCondition[] = [];
  conditions.push(condition(state, "PodReadyToStartContainers", state.sandbox.state === "ready" ? "True" : "False", now));
  const pendingInit = initSpecs(pod).filter((c) => !initSucceeded(state.containers[c.name])).map((c) => c.name);
  if (phase === "Succeeded") conditions.push(condition(state, "Initialized", "True", now, "PodCompleted"));
  else if (state.initialized || pendingInit.length === 0) conditions.push(condition(state, "Initialized", "True", now));
  else conditions.push(condition(state, "Initialized", "False", now, "ContainersNotInitialized", `containers with incomplete status: [${pendingInit.join(" ")}]`));

  const unready = app.filter((s) => !s.ready).map((s) => s.name);
  let ready: [("True" | "False"), string?, string?];
  if (phase === "Succeeded") ready = ["False", "PodCompleted"];
  else if (unready.length > 0) ready = ["False", "ContainersNotReady", `containers with unready status: [${unready.join(" ")}]`];
  else ready = ["True"];
  conditions.push(condition(state, "Ready", ready[0], now, ready[1], ready[2]));
  conditions.push(condition(state, "ContainersReady", ready[0], now, ready[1], ready[2]));

  const status: PodStatus = {
    phase,
    conditions,
    hostIP: state.config.hostIP,
    hostIPs: state.config.hostIP ? [{ ip: state.config.hostIP }] : [],
    startTime: rfc3339(state.startTime),
    initContainerStatuses: init,
    containerStatuses: app,
    ...(ephemeral.length > 0 ? { ephemeralContainerStatuses: ephemeral } : {}),
    qosClass: computeQosClass(pod as unknown as KubeObject),
  };
  if (state.sandbox.podIPs.length > 0) {
    status.podIP = state.sandbox.podIPs[0];
    status.podIPs = state.sandbox.podIPs.map((ip) => ({ ip }));
  }
  return { status, containersStopped: stopped };
}
