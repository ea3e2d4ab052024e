// Folding one input into the worker state. Results that no longer match what the state is
// waiting for (an old attempt, a container id that was replaced) are dropped: they are the
// echoes of a world that moved on.

import { newProbeTracker, recordRun } from "../probes/probe-tracker";
import * as backoff from "./backoff";
import type { StepCtx } from "./ctx";
import { Msg, timeMs } from "./messages";
import { instanceFrom, record, specOf, updateInstance, type Instance, type PodWorkerState } from "./state";
import type { ObservedContainer, WorkerInput } from "./types";

export function applyInput(state: PodWorkerState, input: WorkerInput, ctx: StepCtx): void {
  const now = ctx.now;
  switch (input.kind) {
    case "desired":
      state.pod = input.pod;
      return;
    case "remove":
      state.removing = true;
      return;
    case "tick":
      return;
    case "adopt":
      adopt(state, input.containers, now);
      return;
    case "observed":
      observe(state, input.containers, input.at, now, input.partial === true);
      return;
    case "imageInspected":
    case "imagePulled":
      applyImage(state, input, ctx);
      return;
    case "sandboxReady":
      if (state.sandbox.state === "creating") state.sandbox = { state: "ready", podIPs: input.podIPs };
      return;
    case "sandboxFailed":
      if (state.sandbox.state !== "creating") return;
      state.sandbox.state = "failed";
      backoff.next(state.sandboxBackoff, "sandbox", now, now);
      ctx.event("Warning", input.reason, input.message);
      return;
    case "sandboxRemoved":
      state.sandbox.state = "removed";
      return;
    case "networkReady":
      if (state.sandbox.state === "failed") delete state.sandboxBackoff.sandbox;
      return;
    case "containerCreated":
      created(state, input.container, ctx);
      return;
    case "containerCreateFailed": {
      const rec = state.containers[input.name];
      if (!rec?.creating || rec.creating.attempt !== input.attempt) return;
      rec.creating = undefined;
      rec.waiting = { reason: input.reason, message: input.message };
      rec.createFailedAt = now;
      backoff.next(state.createBackoff, rec.name, now, now);
      ctx.event("Warning", "Failed", `Error: ${input.message}`, rec.name);
      return;
    }
    case "containerStarted": {
      const inst = findInstance(state, input.container.id);
      if (!inst) return;
      inst.starting = false;
      updateInstance(inst, input.container);
      ctx.event("Normal", "Started", Msg.started(inst.name), inst.name);
      if (inst.phase === "running") startProbes(state, inst, now);
      return;
    }
    case "containerStartFailed": {
      const inst = findInstance(state, input.id);
      if (!inst) return;
      inst.starting = false;
      // A container that could not start counts as one that ran and failed (containerd reports
      // exit 128, reason StartError), so restartPolicy and CrashLoopBackOff apply to it.
      if (input.container) updateInstance(inst, input.container);
      if (inst.phase !== "exited" && inst.phase !== "running") {
        inst.phase = "exited";
        inst.exitCode = 128;
        inst.finishedAt ??= new Date(now).toISOString();
      }
      if (inst.phase === "exited") {
        inst.reason = "StartError";
        inst.message = input.message;
      }
      ctx.event("Warning", "Failed", `Error: ${input.message}`, inst.name);
      return;
    }
    case "containerStopped": {
      const inst = findInstance(state, input.container.id);
      if (!inst) return;
      inst.stopping = false;
      updateInstance(inst, input.container);
      return;
    }
    case "containerStopFailed": {
      const inst = findInstance(state, input.id);
      if (!inst) return;
      inst.stopping = false;
      ctx.event("Warning", "FailedKillPod", `error killing container ${inst.name}: ${input.message}`, inst.name);
      ctx.wake(now + 2000);
      return;
    }
    case "containerRemoved":
      removed(state, input.id);
      return;
    case "probeResult":
      probeResult(state, input, ctx);
      return;
  }
}

function allInstances(state: PodWorkerState): Instance[] {
  const out: Instance[] = [...state.strays];
  for (const rec of Object.values(state.containers)) {
    if (rec.current) out.push(rec.current);
    if (rec.previous) out.push(rec.previous);
  }
  return out;
}

export function findInstance(state: PodWorkerState, id: string): Instance | undefined {
  return allInstances(state).find((i) => i.id === id);
}

/**
 * Containers found in the runtime after a restart. Per container name the newest attempt is
 * the current instance (a running one keeps running: it is not restarted or duplicated), the
 * one before it the previous run; older ones and names the spec no longer has are strays.
 */
function adopt(state: PodWorkerState, containers: ObservedContainer[], now: number): void {
  const byName = new Map<string, ObservedContainer[]>();
  for (const c of containers) byName.set(c.name, [...(byName.get(c.name) ?? []), c]);
  for (const [name, list] of byName) {
    list.sort((a, b) => b.attempt - a.attempt);
    const kind = list[0].kind;
    if (!specOf(state.pod, name, kind)) {
      state.strays.push(...list.map((c) => instanceFrom(c, now)));
      continue;
    }
    const rec = record(state, name, kind);
    rec.current = instanceFrom(list[0], now);
    if (list[1]) rec.previous = instanceFrom(list[1], now);
    state.strays.push(...list.slice(2).map((c) => instanceFrom(c, now)));
    if (rec.current.phase === "running") startProbes(state, rec.current, timeMs(rec.current.startedAt) ?? now);
    if (kind === "app") state.initialized = true;
  }
}

function observe(state: PodWorkerState, containers: ObservedContainer[], listedAt: number, now: number, partial: boolean): void {
  const seen = new Map(containers.map((c) => [c.id, c]));
  for (const inst of allInstances(state)) {
    const c = seen.get(inst.id);
    // A listing that began before the machine learned of the instance (a create's result that
    // overtook a slow relist) cannot say it is lost: at listing time it was still being made.
    if (c?.status === "unknown" && inst.knownSince >= listedAt) continue;
    if (c) {
      const wasRunning = inst.phase === "running";
      updateInstance(inst, c);
      if (!wasRunning && inst.phase === "running" && Object.keys(inst.probes).length === 0) startProbes(state, inst, timeMs(inst.startedAt) ?? now);
    } else if (!partial && inst.knownSince < listedAt && inst.phase !== "exited" && !inst.starting && !inst.stopping && !state.removingIds.includes(inst.id)) {
      // Gone from the runtime behind our back (removed by hand, runtime state lost): the
      // kubelet's ContainerStatusUnknown. It counts as a failed run, so it is replaced.
      inst.phase = "exited";
      inst.exitCode = 137;
      inst.reason = "ContainerStatusUnknown";
      inst.message = "The container could not be located when the pod was synced";
      inst.finishedAt = new Date(now).toISOString();
    }
  }
}

function applyImage(state: PodWorkerState, input: Extract<WorkerInput, { kind: "imageInspected" | "imagePulled" }>, ctx: StepCtx): void {
  const rec = state.containers[input.attempt.name];
  const step = rec?.image;
  if (!rec || !step || step.attempt !== input.attempt.attempt || step.image !== input.image) return;
  const image = input.image;
  if (input.kind === "imageInspected") {
    if (step.state !== "inspecting") return;
    const policy = specOf(state.pod, rec.name, rec.kind)?.imagePullPolicy ?? "IfNotPresent";
    if (input.present && policy !== "Always") {
      step.state = "ready";
      step.info = input.present;
      ctx.event("Normal", "Pulled", Msg.alreadyPresent(image), rec.name);
    } else if (!input.present && policy === "Never") {
      step.state = "neverPull";
      step.retryAt = ctx.now + backoff.INITIAL_BACKOFF_MS;
      rec.waiting = { reason: "ErrImageNeverPull", message: Msg.neverPull(image) };
      ctx.event("Warning", "ErrImageNeverPull", Msg.neverPull(image), rec.name);
      ctx.event("Warning", "Failed", "Error: ErrImageNeverPull", rec.name);
    } else {
      step.state = "needPull";
    }
    return;
  }
  if (step.state !== "pulling") return;
  if (input.result.ok) {
    step.state = "ready";
    step.info = input.result.info;
    step.failure = undefined;
    ctx.event("Normal", "Pulled", Msg.pulled(image, input.result.durationMs), rec.name);
    if (rec.waiting?.reason === "ErrImagePull" || rec.waiting?.reason === "ImagePullBackOff") rec.waiting = undefined;
    return;
  }
  step.state = "needPull";
  step.failedAt = ctx.now;
  step.failure = input.result.message;
  step.backOffEventShown = false;
  backoff.next(state.pullBackoff, image, ctx.now, ctx.now);
  rec.waiting = { reason: "ErrImagePull", message: input.result.message };
  ctx.event("Warning", "Failed", Msg.pullFailed(image, input.result.message), rec.name);
  ctx.event("Warning", "Failed", "Error: ErrImagePull", rec.name);
}

function created(state: PodWorkerState, c: ObservedContainer, ctx: StepCtx): void {
  const rec = state.containers[c.name];
  if (!rec?.creating || rec.creating.attempt !== c.attempt) {
    // Nobody waits for it any more (the pod was removed meanwhile): it is a stray to clean up.
    state.strays.push(instanceFrom(c, ctx.now));
    return;
  }
  rec.creating = undefined;
  if (rec.previous) state.strays.push(rec.previous);
  rec.previous = rec.current;
  rec.current = instanceFrom(c, ctx.now, rec.image?.info?.imageId ?? "");
  rec.waiting = undefined;
  rec.createFailedAt = undefined;
  ctx.event("Normal", "Created", Msg.created(c.name), c.name);
}

function removed(state: PodWorkerState, id: string): void {
  state.removingIds = state.removingIds.filter((x) => x !== id);
  state.strays = state.strays.filter((i) => i.id !== id);
  for (const rec of Object.values(state.containers)) {
    if (rec.previous?.id === id) rec.previous = undefined;
    if (rec.current?.id === id) rec.current = undefined;
  }
}

function startProbes(state: PodWorkerState, inst: Instance, startedAtMs: number): void {
  const spec = specOf(state.pod, inst.name, inst.kind);
  if (!spec || inst.kind !== "app") return;
  if (spec.livenessProbe) inst.probes.liveness = newProbeTracker("liveness", spec.livenessProbe, inst.id, startedAtMs);
  if (spec.readinessProbe) inst.probes.readiness = newProbeTracker("readiness", spec.readinessProbe, inst.id, startedAtMs);
  if (spec.startupProbe) inst.probes.startup = newProbeTracker("startup", spec.startupProbe, inst.id, startedAtMs);
}

function probeResult(state: PodWorkerState, input: Extract<WorkerInput, { kind: "probeResult" }>, ctx: StepCtx): void {
  const inst = state.containers[input.name]?.current;
  const tracker = inst?.id === input.containerId ? inst.probes[input.probe] : undefined;
  if (!inst || !tracker) return;
  if (!input.ok && !tracker.onHold) ctx.event("Warning", "Unhealthy", Msg.probeFailed(input.probe, input.output), inst.name);
  recordRun(tracker, input.ok);
}
