// Deciding what to do next, given the state after an input. The order follows the kubelet's
// SyncPod: sandbox, then ephemeral containers (started even while init containers have not
// finished, never restarted), then init containers one at a time (each must exit 0), then the
// app containers (each: image, create, start, probes), restarting per restartPolicy with
// CrashLoopBackOff. Termination (deletion or removal) is termination.ts.

import type { Container, EphemeralContainer } from "kubernetes-types/core/v1";
import { beginRun, isDue } from "../probes/probe-tracker";
import * as backoff from "./backoff";
import type { StepCtx } from "./ctx";
import { Msg, timeMs } from "./messages";
import { appSpecs, ephemeralSpecs, initSpecs, record, type ContainerRecord, type Instance, type PodWorkerState } from "./state";
import { reconcileTermination, isTerminating, stopInstance } from "./termination";

/** How long a failed pull shows as ErrImagePull before it becomes ImagePullBackOff. */
export const ERR_IMAGE_PULL_SHOWN_MS = 5_000;

export function reconcile(state: PodWorkerState, ctx: StepCtx): void {
  if (state.finished) return;
  if (isTerminating(state)) {
    reconcileTermination(state, ctx);
    return;
  }
  reconcileStrays(state, ctx);
  if (state.terminalPhase) {
    // A finished pod runs nothing more: what a debugging user still runs in it stops too.
    stopEphemeral(state, ctx);
    return;
  }
  reconcileSandbox(state, ctx);
  for (const spec of ephemeralSpecs(state.pod)) syncContainer(state, record(state, spec.name, "ephemeral"), spec, ctx);

  if (!state.initialized) {
    for (const spec of initSpecs(state.pod)) {
      const rec = record(state, spec.name, "init");
      if (initSucceeded(rec)) continue;
      syncContainer(state, rec, spec, ctx);
      return;
    }
    state.initialized = true;
  }
  for (const spec of appSpecs(state.pod)) syncContainer(state, record(state, spec.name, "app"), spec, ctx);
}

export function initSucceeded(rec: ContainerRecord | undefined): boolean {
  return rec?.current?.phase === "exited" && rec.current.exitCode === 0 && !rec.current.reason;
}

function reconcileStrays(state: PodWorkerState, ctx: StepCtx): void {
  for (const inst of state.strays) {
    if (inst.phase !== "exited") stopInstance(state, inst, state.pod.spec?.terminationGracePeriodSeconds ?? 30, ctx);
    else removeInstance(state, inst, false, ctx);
  }
}

export function removeInstance(state: PodWorkerState, inst: Instance, keepLogs: boolean, ctx: StepCtx): void {
  if (state.removingIds.includes(inst.id)) return;
  state.removingIds.push(inst.id);
  ctx.emit({ kind: "removeContainer", id: inst.id, keepLogs });
}

function reconcileSandbox(state: PodWorkerState, ctx: StepCtx): void {
  const sb = state.sandbox;
  if (sb.state === "none") {
    sb.state = "creating";
    ctx.emit({ kind: "createSandbox" });
  } else if (sb.state === "failed") {
    const entry = state.sandboxBackoff.sandbox;
    if (backoff.inBackOffSinceUpdate(state.sandboxBackoff, "sandbox", ctx.now)) {
      ctx.wake(entry.lastUpdate + entry.windowMs);
    } else {
      sb.state = "creating";
      ctx.emit({ kind: "createSandbox" });
    }
  }
}

/** Ephemeral containers that still run in a pod that has finished. */
export function stopEphemeral(state: PodWorkerState, ctx: StepCtx): void {
  for (const rec of Object.values(state.containers)) {
    if (rec.kind === "ephemeral" && rec.current && rec.current.phase !== "exited" && !rec.current.starting) stopInstance(state, rec.current, state.pod.spec?.terminationGracePeriodSeconds ?? 30, ctx);
  }
}

/** Restart rules: init containers rerun until they succeed (unless Never); app containers per
 *  policy; ephemeral containers never (the kubelet's rule: they are for one debugging session). */
function shouldRestart(state: PodWorkerState, rec: ContainerRecord, inst: Instance): boolean {
  if (rec.kind === "ephemeral") return false;
  const policy = state.pod.spec?.restartPolicy ?? "Always";
  const failed = inst.exitCode !== 0 || inst.reason !== undefined;
  if (rec.kind === "init") return failed && policy !== "Never";
  if (policy === "Always") return true;
  return policy === "OnFailure" && failed;
}

function syncContainer(state: PodWorkerState, rec: ContainerRecord, spec: Container, ctx: StepCtx): void {
  if (rec.creating) return;
  const inst = rec.current;
  if (inst && inst.phase !== "exited") {
    syncLive(state, rec, inst, spec, ctx);
    return;
  }
  let attempt = 0;
  if (inst) {
    if (!shouldRestart(state, rec, inst)) {
      rec.waiting = undefined;
      return;
    }
    attempt = inst.attempt + 1;
    if (rec.restartRecordedFor !== inst.id) {
      const finished = timeMs(inst.finishedAt) ?? ctx.now;
      if (backoff.inBackOffSince(state.restartBackoff, rec.name, finished, ctx.now)) {
        const windowMs = backoff.windowOf(state.restartBackoff, rec.name);
        rec.waiting = { reason: "CrashLoopBackOff", message: Msg.crashLoop(windowMs, rec.name, state.pod) };
        if (rec.backOffEventFor !== inst.id) {
          rec.backOffEventFor = inst.id;
          ctx.event("Warning", "BackOff", Msg.backOffEvent(rec.name, state.pod), rec.name);
        }
        ctx.wake(finished + windowMs);
        return;
      }
      // Counted once per exited instance, like the kubelet's doBackOff right before a start.
      backoff.next(state.restartBackoff, rec.name, finished, ctx.now);
      rec.restartRecordedFor = inst.id;
    }
  }
  if (state.sandbox.state !== "ready") {
    rec.waiting ??= { reason: "ContainerCreating", message: "" };
    return;
  }
  if (!ensureImage(state, rec, spec, attempt, ctx)) return;
  if (rec.createFailedAt !== undefined && backoff.inBackOffSinceUpdate(state.createBackoff, rec.name, ctx.now)) {
    const entry = state.createBackoff[rec.name];
    ctx.wake(entry.lastUpdate + entry.windowMs);
    return;
  }
  rec.creating = { attempt };
  if (rec.waiting?.reason !== "CreateContainerConfigError" && rec.waiting?.reason !== "CreateContainerError") rec.waiting = undefined;
  const targetName = rec.kind === "ephemeral" ? (spec as EphemeralContainer).targetContainerName : undefined;
  if (!targetName) {
    ctx.emit({ kind: "createContainer", name: rec.name, containerKind: rec.kind, attempt });
    return;
  }
  // The target's live instance lends its PID namespace; without one the create fails and is retried.
  const target = state.containers[targetName]?.current;
  const id = target && target.phase !== "exited" ? target.id : undefined;
  ctx.emit({ kind: "createContainer", name: rec.name, containerKind: rec.kind, attempt, target: id ? { name: targetName, id } : { name: targetName } });
}

/** Image for the next start; true when ready. Shows ContainerCreating / ErrImagePull / ImagePullBackOff meanwhile. */
function ensureImage(state: PodWorkerState, rec: ContainerRecord, spec: Container, attempt: number, ctx: StepCtx): boolean {
  const image = spec.image ?? "";
  let step = rec.image;
  if (!step || step.attempt !== attempt || step.image !== image) {
    step = rec.image = { attempt, image, state: "inspecting", failedAt: step?.image === image ? step.failedAt : undefined, failure: step?.image === image ? step.failure : undefined };
    ctx.emit({ kind: "inspectImage", image, attempt: { name: rec.name, attempt } });
  }
  const waitingImageError = rec.waiting?.reason === "ErrImagePull" || rec.waiting?.reason === "ImagePullBackOff";
  switch (step.state) {
    case "ready":
      return true;
    case "inspecting":
    case "pulling":
      if (!waitingImageError) rec.waiting = { reason: "ContainerCreating", message: "" };
      return false;
    case "neverPull":
      if (step.retryAt !== undefined && ctx.now >= step.retryAt) {
        rec.image = undefined;
        return ensureImage(state, rec, spec, attempt, ctx);
      }
      if (step.retryAt !== undefined) ctx.wake(step.retryAt);
      return false;
    case "needPull": {
      if (backoff.inBackOffSinceUpdate(state.pullBackoff, image, ctx.now)) {
        const entry = state.pullBackoff[image];
        const failedAt = step.failedAt ?? entry.lastUpdate;
        const failure = step.failure ?? "";
        if (ctx.now < failedAt + ERR_IMAGE_PULL_SHOWN_MS) {
          rec.waiting = { reason: "ErrImagePull", message: failure };
          ctx.wake(Math.min(failedAt + ERR_IMAGE_PULL_SHOWN_MS, entry.lastUpdate + entry.windowMs));
          return false;
        }
        rec.waiting = { reason: "ImagePullBackOff", message: `${Msg.pullBackOff(image)}: ErrImagePull: ${failure}` };
        if (!step.backOffEventShown) {
          step.backOffEventShown = true;
          ctx.event("Normal", "BackOff", Msg.pullBackOff(image), rec.name);
          ctx.event("Warning", "Failed", "Error: ImagePullBackOff", rec.name);
        }
        ctx.wake(entry.lastUpdate + entry.windowMs);
        return false;
      }
      step.state = "pulling";
      step.pullStartedAt = ctx.now;
      if (!waitingImageError) rec.waiting = { reason: "ContainerCreating", message: "" };
      ctx.event("Normal", "Pulling", Msg.pulling(image), rec.name);
      ctx.emit({ kind: "pullImage", image, attempt: { name: rec.name, attempt } });
      return false;
    }
  }
}

/** A container that exists and has not exited: start it, probe it, or restart it. */
function syncLive(state: PodWorkerState, rec: ContainerRecord, inst: Instance, spec: Container, ctx: StepCtx): void {
  if (inst.starting || inst.stopping || inst.phase === "unknown") return;
  if (inst.image !== (spec.image ?? "")) {
    stopInstance(state, inst, state.pod.spec?.terminationGracePeriodSeconds ?? 30, ctx, Msg.definitionChanged(rec.name));
    return;
  }
  if (inst.phase === "created") {
    inst.starting = true;
    ctx.emit({ kind: "startContainer", name: rec.name, id: inst.id });
    return;
  }
  const { liveness, startup, readiness } = inst.probes;
  const grace = (p: { terminationGracePeriodSeconds?: number } | undefined) => p?.terminationGracePeriodSeconds ?? state.pod.spec?.terminationGracePeriodSeconds ?? 30;
  if (startup?.result === "failure") {
    stopInstance(state, inst, grace(spec.startupProbe), ctx, Msg.startupKill(rec.name));
    return;
  }
  if (liveness?.result === "failure") {
    stopInstance(state, inst, grace(spec.livenessProbe), ctx, Msg.livenessKill(rec.name));
    return;
  }
  const started = !startup || startup.result === "success";
  for (const tracker of [startup, liveness, readiness]) {
    if (!tracker) continue;
    if (isDue(tracker, ctx.now, started)) {
      beginRun(tracker, ctx.now);
      ctx.emit({ kind: "runProbe", name: rec.name, probe: tracker.kind, containerId: inst.id, spec: tracker.spec });
    }
    if (!tracker.inFlight && !tracker.onHold && (tracker.kind === "startup" ? tracker.result !== "success" : started)) ctx.wake(tracker.nextAt);
  }
}

