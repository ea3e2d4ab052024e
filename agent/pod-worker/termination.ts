// Stopping a pod: a graceful delete (an upsert whose pod has metadata.deletionTimestamp) stops
// every container with the pod's grace period and then reports containersStopped; a removal
// (the pod left the desired set) goes on to remove the containers (logs kept for the retention
// period), tear the sandbox down (network namespace, volumes, pod directory) and finish.

import type { StepCtx } from "./ctx";
import { Msg } from "./messages";
import type { Instance, PodWorkerState } from "./state";
import { removeInstance } from "./reconcile";

export function isTerminating(state: PodWorkerState): boolean {
  return state.removing || !!state.pod.metadata?.deletionTimestamp;
}

/** metadata.deletionGracePeriodSeconds if set, else spec.terminationGracePeriodSeconds, else 30. */
export function podGraceSeconds(state: PodWorkerState): number {
  return state.pod.metadata?.deletionGracePeriodSeconds ?? state.pod.spec?.terminationGracePeriodSeconds ?? 30;
}

export function stopInstance(_state: PodWorkerState, inst: Instance, graceSeconds: number, ctx: StepCtx, message = Msg.stopping(inst.name)): void {
  if (inst.stopping || inst.phase === "exited") return;
  inst.stopping = true;
  ctx.event("Normal", "Killing", message, inst.name);
  ctx.emit({ kind: "stopContainer", name: inst.name, id: inst.id, graceSeconds });
}

/** Every instance the pod still has in the runtime. */
export function liveAndDead(state: PodWorkerState): Instance[] {
  const out: Instance[] = [...state.strays];
  for (const rec of Object.values(state.containers)) {
    if (rec.current) out.push(rec.current);
    if (rec.previous) out.push(rec.previous);
  }
  return out;
}

/** True while a container of the pod may still run: one is creating, starting or not yet exited.
 *  With `ephemeral: false`, ephemeral containers are not asked about. */
export function anyActive(state: PodWorkerState, options: { ephemeral?: boolean } = {}): boolean {
  const counts = (kind: string) => options.ephemeral !== false || kind !== "ephemeral";
  if (Object.values(state.containers).some((r) => r.creating && counts(r.kind))) return true;
  return liveAndDead(state).some((i) => i.phase !== "exited" && counts(i.kind));
}

export function reconcileTermination(state: PodWorkerState, ctx: StepCtx): void {
  const grace = podGraceSeconds(state);
  for (const rec of Object.values(state.containers)) {
    // No restarts while terminating; what is not running stays as it is.
    if (rec.waiting?.reason !== "CreateContainerConfigError") rec.waiting = undefined;
  }
  for (const inst of liveAndDead(state)) {
    if (inst.phase !== "exited" && !inst.starting) stopInstance(state, inst, grace, ctx);
  }
  if (anyActive(state)) return;
  if (!state.removing) return;

  for (const inst of liveAndDead(state)) removeInstance(state, inst, true, ctx);
  if (state.removingIds.length > 0) return;
  const sb = state.sandbox;
  if (sb.state === "creating") return;
  if (sb.state !== "removing" && sb.state !== "removed") {
    sb.state = "removing";
    ctx.emit({ kind: "teardownSandbox" });
    return;
  }
  if (sb.state === "removed" && !state.finished) {
    state.finished = true;
    ctx.emit({ kind: "finished" });
  }
}
