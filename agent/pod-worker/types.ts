// The pod worker's vocabulary: what goes into the state machine (inputs) and what comes out
// (actions). The machine (machine.ts) does no I/O and reads no clock; the runner (runner.ts)
// feeds it inputs with `now`, carries out the actions and feeds their results back.
//
//   desired pod ──┐                                   ┌─► inspectImage / pullImage
//   observed      │                                   ├─► createSandbox / teardownSandbox
//   action results├─► step(state, input, now) ───────►├─► create/start/stop/removeContainer
//   probe results │          (pure)                   ├─► runProbe
//   ticks ────────┘                                   ├─► event, publishStatus
//                                                     └─► finished     + wakeAt (next tick)

import type { Pod, PodStatus, Probe } from "kubernetes-types/core/v1";

/** Ephemeral containers (kubectl debug) run beside the others, never restarted, never probed. */
export type ContainerKind = "init" | "app" | "ephemeral";
import type { ProbeKind } from "../probes/probe-tracker";
export type { ProbeKind };

/** A container as the runtime reports it, tied to the pod by its labels. */
export interface ObservedContainer {
  id: string;
  name: string;
  kind: ContainerKind;
  attempt: number;
  /** The image as written in the spec when the container was created. */
  image: string;
  status: "created" | "running" | "exited" | "unknown";
  createdAt?: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  oomKilled?: boolean;
  /** Termination message (the termination-log file, or the log tail), read once it exited. */
  message?: string;
}

/** What a resolved image contributes to container statuses. */
export interface ImageInfo {
  /** The repository@digest the image resolved to (ContainerStatus.imageID). */
  imageId: string;
}

export type WorkerInput =
  /** A new or updated desired pod (a graceful delete is an update with deletionTimestamp). */
  | { kind: "desired"; pod: Pod }
  /** The pod left the desired set: stop everything and clean up. */
  | { kind: "remove" }
  /** Containers found in the runtime when the worker started (after an agent restart). */
  | { kind: "adopt"; containers: ObservedContainer[] }
  /** The runtime's view of this pod's containers (relist), as listed at `at` (ms): instances
   *  the worker learned of after that moment are not judged by it. `partial` (an exit event):
   *  only these containers were looked at, so the absence of others says nothing. */
  | { kind: "observed"; containers: ObservedContainer[]; at: number; partial?: boolean }
  | { kind: "tick" }
  | { kind: "imageInspected"; image: string; attempt: ContainerAttemptRef; present?: ImageInfo; error?: string }
  | { kind: "imagePulled"; image: string; attempt: ContainerAttemptRef; result: { ok: true; info: ImageInfo; durationMs: number } | { ok: false; message: string } }
  | { kind: "sandboxReady"; podIPs: string[] }
  | { kind: "sandboxFailed"; reason: string; message: string }
  | { kind: "sandboxRemoved" }
  /** The node's pod network became ready (it has a pod CIDR): a sandbox that failed waiting for
   *  it is retried now, not when its back-off ends. */
  | { kind: "networkReady" }
  | { kind: "containerCreated"; container: ObservedContainer }
  | { kind: "containerCreateFailed"; name: string; attempt: number; reason: "CreateContainerConfigError" | "CreateContainerError"; message: string }
  | { kind: "containerStarted"; container: ObservedContainer }
  | { kind: "containerStartFailed"; id: string; message: string; container?: ObservedContainer }
  | { kind: "containerStopped"; container: ObservedContainer }
  | { kind: "containerStopFailed"; id: string; message: string }
  | { kind: "containerRemoved"; id: string }
  | { kind: "probeResult"; name: string; probe: ProbeKind; containerId: string; ok: boolean; output: string };

/** Names one container start: the image step belongs to the attempt it was made for. */
export interface ContainerAttemptRef {
  name: string;
  attempt: number;
}

export type EventType = "Normal" | "Warning";

export type WorkerAction =
  | { kind: "inspectImage"; image: string; attempt: ContainerAttemptRef }
  | { kind: "pullImage"; image: string; attempt: ContainerAttemptRef }
  | { kind: "createSandbox" }
  /** `target`: an ephemeral container's targetContainerName, with the id of its live instance
   *  when it has one (the new container joins that instance's PID namespace). */
  | { kind: "createContainer"; name: string; containerKind: ContainerKind; attempt: number; target?: { name: string; id?: string } }
  | { kind: "startContainer"; name: string; id: string }
  | { kind: "stopContainer"; name: string; id: string; graceSeconds: number }
  | { kind: "removeContainer"; id: string; keepLogs: boolean }
  | { kind: "runProbe"; name: string; probe: ProbeKind; containerId: string; spec: Probe }
  | { kind: "event"; type: EventType; reason: string; message: string; container?: string }
  | { kind: "publishStatus"; status: PodStatus; containersStopped: boolean }
  | { kind: "teardownSandbox" }
  /** The pod is gone from the node: containers, sandbox and volumes removed. */
  | { kind: "finished" };

export interface StepResult {
  actions: WorkerAction[];
  /** When the machine next needs a tick (back-off expiry, probe due), in ms since the epoch. */
  wakeAt?: number;
}

/** Node facts the machine copies into statuses. */
export interface WorkerConfig {
  hostIP: string;
}
