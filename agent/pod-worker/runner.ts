// The pod worker with its I/O: owns one pod's state machine, feeds it inputs with the wall
// clock, performs the actions it returns (through the executor, concurrently) and feeds the
// results back; arms a timer for the machine's next wake-up. Inputs are processed one at a
// time (a step is synchronous), so the machine never sees two at once.

import type { Pod, PodStatus } from "kubernetes-types/core/v1";
import { newWorkerState, step, type PodWorkerState } from "./machine";
import type { ObservedContainer, WorkerAction, WorkerConfig, WorkerInput } from "./types";

type Perform = Exclude<WorkerAction, { kind: "event" | "publishStatus" | "finished" }>;

export interface RunnerHooks {
  perform(action: Perform): Promise<WorkerInput | undefined>;
  publish(status: PodStatus, containersStopped: boolean): void;
  event(e: Extract<WorkerAction, { kind: "event" }>): void;
  finished(): void;
  now(): number;
  error(msg: string, err: unknown): void;
}

export class PodWorker {
  readonly state: PodWorkerState;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    pod: Pod,
    config: WorkerConfig,
    private readonly hooks: RunnerHooks,
    adopt?: ObservedContainer[],
  ) {
    this.state = newWorkerState(pod, config, hooks.now());
    if (adopt && adopt.length > 0) this.input({ kind: "adopt", containers: adopt });
    this.input({ kind: "desired", pod });
  }

  get uid(): string {
    return this.state.uid;
  }

  get pod(): Pod {
    return this.state.pod;
  }

  input(input: WorkerInput): void {
    if (this.stopped) return;
    const { actions, wakeAt } = step(this.state, input, this.hooks.now());
    for (const action of actions) this.dispatch(action);
    this.arm(wakeAt);
  }

  /** Stops feeding the machine (agent shutdown); containers are left as they are. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private dispatch(action: WorkerAction): void {
    switch (action.kind) {
      case "event":
        this.hooks.event(action);
        return;
      case "publishStatus":
        this.hooks.publish(action.status, action.containersStopped);
        return;
      case "finished":
        this.stop();
        this.hooks.finished();
        return;
      default:
        this.hooks.perform(action).then(
          (result) => result && this.input(result),
          (err: unknown) => {
            // The executor turns expected failures into results; anything else is a bug or a
            // broken node. Look again shortly rather than wedge the pod.
            this.hooks.error(`pod ${this.state.namespace}/${this.state.name}: ${action.kind} failed unexpectedly`, err);
            setTimeout(() => this.input({ kind: "tick" }), 5000).unref();
          },
        );
    }
  }

  private arm(wakeAt: number | undefined): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (wakeAt === undefined || this.stopped) return;
    // +1 ms: timers may fire a hair early, and the machine ignores wake-ups before their time.
    this.timer = setTimeout(() => this.input({ kind: "tick" }), Math.max(0, wakeAt - this.hooks.now()) + 1);
  }
}
