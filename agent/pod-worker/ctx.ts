// What one step of the machine collects: the actions to perform and the earliest time it wants
// to be woken again. `now` is the only clock the machine ever reads.

import type { EventType, StepResult, WorkerAction } from "./types";

export class StepCtx {
  readonly actions: WorkerAction[] = [];
  private wakeAt: number | undefined;

  constructor(readonly now: number) {}

  emit(action: WorkerAction): void {
    this.actions.push(action);
  }

  event(type: EventType, reason: string, message: string, container?: string): void {
    this.actions.push(container === undefined ? { kind: "event", type, reason, message } : { kind: "event", type, reason, message, container });
  }

  /** Asks for a tick at `at` (ms); the earliest request wins. Times not after now are ignored. */
  wake(at: number): void {
    if (at <= this.now) return;
    if (this.wakeAt === undefined || at < this.wakeAt) this.wakeAt = at;
  }

  result(): StepResult {
    return this.wakeAt === undefined ? { actions: this.actions } : { actions: this.actions, wakeAt: this.wakeAt };
  }
}
