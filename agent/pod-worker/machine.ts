// The pod worker state machine: one synchronous, deterministic step per input.
//
//   const state = newWorkerState(pod, config, now);
//   const { actions, wakeAt } = step(state, { kind: "desired", pod }, now);
//   ...perform actions, feed each result back with step(state, result, now)...
//   ...at wakeAt, step(state, { kind: "tick" }, now)
//
// Callers must perform actions in the order given (events before the status that follows
// them) and may perform independent actions concurrently; every result names what it answers
// (container id, attempt, image), so late or duplicate results are harmless.

import { applyInput } from "./apply-input";
import { StepCtx } from "./ctx";
import { reconcile } from "./reconcile";
import type { PodWorkerState } from "./state";
import { buildStatus } from "./status";
import type { StepResult, WorkerInput } from "./types";

export { newWorkerState } from "./state";
export type { PodWorkerState } from "./state";

export function step(state: PodWorkerState, input: WorkerInput, now: number): StepResult {
  const ctx = new StepCtx(now);
  if (state.finished) return ctx.result();
  applyInput(state, input, ctx);
  reconcile(state, ctx);
  if (state.finished) return ctx.result();
  const wasTerminal = state.terminalPhase !== undefined;
  publish(state, ctx);
  // The status just found the pod finished: stop what it still runs (ephemeral containers) now.
  if (!wasTerminal && state.terminalPhase !== undefined) {
    reconcile(state, ctx);
    publish(state, ctx);
  }
  return ctx.result();
}

function publish(state: PodWorkerState, ctx: StepCtx): void {
  const { status, containersStopped } = buildStatus(state, ctx.now);
  const key = JSON.stringify([status, containersStopped]);
  if (key === state.lastPublished) return;
  state.lastPublished = key;
  ctx.emit({ kind: "publishStatus", status, containersStopped });
}
