// A simulated node for the pod worker's tests: it answers the machine's actions the way the
// runtime, image store and probers would, on a virtual clock, so whole scenarios (crash loops,
// pull back-off, probe failures, deletion) run in microseconds with no I/O and no sleeping.

import type { Container, Pod, PodStatus } from "kubernetes-types/core/v1";
import { applyDefaults } from "../../../api/defaults";
import type { KubeObject } from "../../../api/object";
import { newWorkerState, step, type PodWorkerState } from "../machine";
import type { ObservedContainer, ProbeKind, WorkerAction, WorkerInput } from "../types";

export const T0 = Date.parse("2025-01-01T00:00:00Z");

export interface ContainerScript {
  /** How long it runs before exiting by itself; undefined = until stopped. */
  runMs?: number;
  exitCode?: number;
  oomKilled?: boolean;
  /** Termination message it leaves behind. */
  message?: string;
  /** The runtime fails to start it with this message. */
  startError?: string;
}

export interface WorldOptions {
  /** Image availability: "present" locally, "pullable" (default), or a pull error message. */
  images?: Record<string, "present" | "pullable" | { error: string }>;
  pullMs?: number;
  /** Per container name and attempt. */
  scripts?: Record<string, (attempt: number) => ContainerScript>;
  /** Raw probe outcome for the n-th run (0-based) of a probe of a container instance. */
  probe?: (name: string, kind: ProbeKind, attempt: number, n: number) => { ok: boolean; output?: string };
  /** The first N sandbox creations fail. */
  sandboxFailures?: number;
  createError?: (name: string, attempt: number) => { reason: "CreateContainerConfigError" | "CreateContainerError"; message: string } | undefined;
}

interface SimContainer extends ObservedContainer {
  exitAt?: number;
  script: ContainerScript;
  probeRuns: Partial<Record<ProbeKind, number>>;
}

export function makePod(spec: Partial<Pod["spec"]> & { containers: Container[] }, meta: Partial<Pod["metadata"]> = {}): Pod {
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "default", uid: "uid-1", ...meta }, spec };
  return applyDefaults("Pod", pod as unknown as KubeObject) as unknown as Pod;
}

export class Sim {
  now = T0;
  readonly state: PodWorkerState;
  readonly actions: Array<{ at: number; action: WorkerAction }> = [];
  readonly containers = new Map<string, SimContainer>();
  private queue: Array<{ at: number; input: WorkerInput }> = [];
  private wakeAt: number | undefined;
  private sandboxAttempts = 0;
  private lastStatus: PodStatus | undefined;
  private stopped = false;
  finished = false;

  constructor(
    pod: Pod,
    readonly world: WorldOptions = {},
    adopt?: ObservedContainer[],
  ) {
    this.state = newWorkerState(pod, { hostIP: "10.0.0.1" }, this.now);
    if (adopt) {
      for (const c of adopt) this.containers.set(c.id, { ...c, script: {}, probeRuns: {} });
      this.feed({ kind: "adopt", containers: adopt });
    }
    this.feed({ kind: "desired", pod });
  }

  /** The pod as the API changed it (an added ephemeral container): a desired update, now. */
  update(change: (pod: Pod) => void): WorkerAction[] {
    const pod = structuredClone(this.state.pod);
    change(pod);
    return this.feed({ kind: "desired", pod: applyDefaults("Pod", pod as unknown as KubeObject) as unknown as Pod });
  }

  /** Feeds one input now and performs the resulting actions (their results are queued). */
  feed(input: WorkerInput): WorkerAction[] {
    const { actions, wakeAt } = step(this.state, input, this.now);
    this.wakeAt = wakeAt;
    for (const action of actions) {
      this.actions.push({ at: this.now, action });
      this.perform(action);
    }
    return actions;
  }

  /** Runs the world until `ms` after the simulation start (or for `ms` more with `forMs`). */
  runUntil(ms: number): this {
    const until = T0 + ms;
    for (let guard = 0; guard < 100_000; guard++) {
      const due = this.queue.filter((q) => q.at <= this.now);
      if (due.length > 0) {
        this.queue = this.queue.filter((q) => q.at > this.now);
        for (const q of due) this.feed(q.input);
        continue;
      }
      const running = [...this.containers.values()].filter((c) => c.status === "running" && c.exitAt !== undefined);
      const exiting = running.filter((c) => c.exitAt! <= this.now);
      if (exiting.length > 0) {
        for (const c of exiting) this.exit(c, c.script.exitCode ?? 0, c.script.oomKilled);
        this.feed({ kind: "observed", containers: this.observed(), at: this.now });
        continue;
      }
      if (this.wakeAt !== undefined && this.wakeAt <= this.now) {
        this.feed({ kind: "tick" });
        continue;
      }
      const next = Math.min(this.wakeAt ?? Infinity, ...running.map((c) => c.exitAt!), ...this.queue.map((q) => q.at));
      if (next > until) {
        this.now = Math.max(this.now, until);
        return this;
      }
      this.now = next;
    }
    throw new Error("simulation did not settle");
  }

  observed(): ObservedContainer[] {
    return [...this.containers.values()].map(({ exitAt: _e, script: _s, probeRuns: _p, ...c }) => ({ ...c }));
  }

  status(): PodStatus {
    if (!this.lastStatus) throw new Error("no status published yet");
    return this.lastStatus;
  }

  containersStopped(): boolean {
    return this.stopped;
  }

  /** Events as "Reason: message" in order. */
  events(): string[] {
    return this.actions.flatMap(({ action: a }) => (a.kind === "event" ? [`${a.reason}: ${a.message}`] : []));
  }

  /** Actions of one kind with the time (ms since start) they were issued. */
  issued<K extends WorkerAction["kind"]>(kind: K): Array<Extract<WorkerAction, { kind: K }> & { atMs: number }> {
    return this.actions.filter((x) => x.action.kind === kind).map((x) => ({ ...(x.action as Extract<WorkerAction, { kind: K }>), atMs: x.at - T0 }));
  }

  private later(input: WorkerInput, delayMs = 0): void {
    this.queue.push({ at: this.now + delayMs, input });
  }

  private exit(c: SimContainer, code: number, oom?: boolean): void {
    c.status = "exited";
    c.exitCode = code;
    c.oomKilled = oom ?? false;
    c.finishedAt = new Date(this.now).toISOString();
    if (c.script.message) c.message = c.script.message;
  }

  private perform(action: WorkerAction): void {
    const w = this.world;
    switch (action.kind) {
      case "event":
      case "runProbe":
        if (action.kind === "runProbe") {
          const c = this.containers.get(action.containerId)!;
          const n = c.probeRuns[action.probe] ?? 0;
          c.probeRuns[action.probe] = n + 1;
          const r = w.probe?.(action.name, action.probe, c.attempt, n) ?? { ok: true };
          this.later({ kind: "probeResult", name: action.name, probe: action.probe, containerId: action.containerId, ok: r.ok, output: r.output ?? "" });
        }
        return;
      case "publishStatus":
        this.lastStatus = action.status;
        this.stopped = action.containersStopped;
        return;
      case "inspectImage": {
        const img = w.images?.[action.image] ?? "pullable";
        this.later({ kind: "imageInspected", image: action.image, attempt: action.attempt, ...(img === "present" ? { present: { imageId: `${action.image}@sha256:aa` } } : {}) });
        return;
      }
      case "pullImage": {
        const img = w.images?.[action.image] ?? "pullable";
        const durationMs = w.pullMs ?? 1200;
        const result = typeof img === "object" ? { ok: false as const, message: img.error } : { ok: true as const, info: { imageId: `${action.image}@sha256:aa` }, durationMs };
        this.later({ kind: "imagePulled", image: action.image, attempt: action.attempt, result }, durationMs);
        return;
      }
      case "createSandbox":
        this.sandboxAttempts++;
        if (this.sandboxAttempts <= (w.sandboxFailures ?? 0)) this.later({ kind: "sandboxFailed", reason: "FailedMount", message: 'MountVolume.SetUp failed for volume "cfg" : configmap "cfg" not found' });
        else this.later({ kind: "sandboxReady", podIPs: [] });
        return;
      case "createContainer": {
        const err = w.createError?.(action.name, action.attempt);
        if (err) {
          this.later({ kind: "containerCreateFailed", name: action.name, attempt: action.attempt, ...err });
          return;
        }
        const spec = [...(this.state.pod.spec?.initContainers ?? []), ...(this.state.pod.spec?.containers ?? []), ...(this.state.pod.spec?.ephemeralContainers ?? [])].find((c) => c.name === action.name)!;
        // Like the executor: a target container that is not running fails the create.
        if (action.target && (!action.target.id || this.containers.get(action.target.id)?.status !== "running")) {
          this.later({ kind: "containerCreateFailed", name: action.name, attempt: action.attempt, reason: "CreateContainerError", message: `target container "${action.target.name}" is not running` });
          return;
        }
        const c: SimContainer = {
          id: `${action.name}-${action.attempt}`,
          name: action.name,
          kind: action.containerKind,
          attempt: action.attempt,
          image: spec.image ?? "",
          status: "created",
          createdAt: new Date(this.now).toISOString(),
          script: w.scripts?.[action.name]?.(action.attempt) ?? {},
          probeRuns: {},
        };
        this.containers.set(c.id, c);
        this.later({ kind: "containerCreated", container: this.observedOne(c) });
        return;
      }
      case "startContainer": {
        const c = this.containers.get(action.id)!;
        if (c.script.startError) {
          this.exit(c, 128);
          this.later({ kind: "containerStartFailed", id: c.id, message: c.script.startError, container: this.observedOne(c) });
          return;
        }
        c.status = "running";
        c.startedAt = new Date(this.now).toISOString();
        if (c.script.runMs !== undefined) c.exitAt = this.now + c.script.runMs;
        this.later({ kind: "containerStarted", container: this.observedOne(c) });
        return;
      }
      case "stopContainer": {
        const c = this.containers.get(action.id)!;
        if (c.status !== "exited") this.exit(c, 143);
        this.later({ kind: "containerStopped", container: this.observedOne(c) });
        return;
      }
      case "removeContainer":
        this.containers.delete(action.id);
        this.later({ kind: "containerRemoved", id: action.id });
        return;
      case "teardownSandbox":
        this.later({ kind: "sandboxRemoved" });
        return;
      case "finished":
        this.finished = true;
        return;
    }
  }

  private observedOne(c: SimContainer): ObservedContainer {
    const { exitAt: _e, script: _s, probeRuns: _p, ...o } = c;
    return { ...o };
  }
}
