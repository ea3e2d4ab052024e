// The pod worker's memory. Plain data (JSON-serialisable) so tests can inspect it and a future
// version could persist it; mutated only by machine.ts.

import type { Container, EphemeralContainer, Pod } from "kubernetes-types/core/v1";
import type { ProbeKind, ProbeTracker } from "../probes/probe-tracker";
import type { BackoffTable } from "./backoff";
import type { ContainerKind, ImageInfo, ObservedContainer, WorkerConfig } from "./types";

/** One container instance that exists in the runtime (created, running or exited). */
export interface Instance {
  id: string;
  name: string;
  kind: ContainerKind;
  attempt: number;
  image: string;
  imageId: string;
  phase: "created" | "running" | "exited" | "unknown";
  /** A start was issued and its result is pending. */
  starting: boolean;
  /** A stop was issued and its result is pending. */
  stopping: boolean;
  /** When the machine learned of it (ms); relists taken before that cannot speak about it. */
  knownSince: number;
  createdAt?: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  oomKilled?: boolean;
  /** Overrides the terminated reason derived from the exit ("StartError", "ContainerStatusUnknown"). */
  reason?: string;
  message?: string;
  probes: Partial<Record<ProbeKind, ProbeTracker>>;
}

/** Resolving the image for one container start (attempt). */
export interface ImageStep {
  attempt: number;
  image: string;
  state: "inspecting" | "pulling" | "needPull" | "ready" | "neverPull";
  info?: ImageInfo;
  pullStartedAt?: number;
  /** When the last pull failed, and with what: shown as ErrImagePull for a moment, then ImagePullBackOff. */
  failedAt?: number;
  failure?: string;
  backOffEventShown?: boolean;
  retryAt?: number;
}

export interface ContainerRecord {
  name: string;
  kind: ContainerKind;
  current?: Instance;
  /** The run before `current`: the source of lastState and of `previous` logs. */
  previous?: Instance;
  /** A createContainer for this attempt is in flight. */
  creating?: { attempt: number };
  image?: ImageStep;
  /** Why the next instance is not running yet (shown as the waiting state). */
  waiting?: { reason: string; message: string };
  /** Instance ids whose BackOff event was already emitted / whose restart was already counted. */
  backOffEventFor?: string;
  restartRecordedFor?: string;
  /** Last create failure: retried after a back-off. */
  createFailedAt?: number;
}

export type SandboxState = "none" | "creating" | "ready" | "failed" | "removing" | "removed";

export interface ConditionState {
  status: "True" | "False";
  reason?: string;
  message?: string;
  since: number;
}

export interface PodWorkerState {
  uid: string;
  namespace: string;
  name: string;
  pod: Pod;
  config: WorkerConfig;
  startTime: number;
  /** The pod left the desired set: everything goes. */
  removing: boolean;
  sandbox: { state: SandboxState; podIPs: string[] };
  containers: Record<string, ContainerRecord>;
  /** Adopted or displaced instances that no spec container owns any more: stopped, then removed. */
  strays: Instance[];
  /** Container ids with a removeContainer in flight. */
  removingIds: string[];
  restartBackoff: BackoffTable;
  pullBackoff: BackoffTable;
  createBackoff: BackoffTable;
  sandboxBackoff: BackoffTable;
  initialized: boolean;
  terminalPhase?: "Succeeded" | "Failed";
  conditions: Record<string, ConditionState>;
  lastPublished?: string;
  finished: boolean;
}

export function newWorkerState(pod: Pod, config: WorkerConfig, now: number): PodWorkerState {
  const meta = pod.metadata ?? {};
  return {
    uid: meta.uid ?? "",
    namespace: meta.namespace ?? "",
    name: meta.name ?? "",
    pod,
    config,
    startTime: now,
    removing: false,
    sandbox: { state: "none", podIPs: [] },
    containers: {},
    strays: [],
    removingIds: [],
    restartBackoff: {},
    pullBackoff: {},
    createBackoff: {},
    sandboxBackoff: {},
    initialized: (pod.spec?.initContainers ?? []).length === 0,
    conditions: {},
    finished: false,
  };
}

export function initSpecs(pod: Pod): Container[] {
  return pod.spec?.initContainers ?? [];
}

export function appSpecs(pod: Pod): Container[] {
  return pod.spec?.containers ?? [];
}

export function ephemeralSpecs(pod: Pod): EphemeralContainer[] {
  return pod.spec?.ephemeralContainers ?? [];
}

/** The spec of a container by name and kind, if the pod still has it. An ephemeral container's
 *  spec is a Container plus targetContainerName. */
export function specOf(pod: Pod, name: string, kind: ContainerKind): Container | undefined {
  const list: Container[] = kind === "init" ? initSpecs(pod) : kind === "ephemeral" ? ephemeralSpecs(pod) : appSpecs(pod);
  return list.find((c) => c.name === name);
}

export function record(state: PodWorkerState, name: string, kind: ContainerKind): ContainerRecord {
  return (state.containers[name] ??= { name, kind });
}

export function instanceFrom(c: ObservedContainer, now: number, imageId = ""): Instance {
  const inst: Instance = {
    id: c.id,
    name: c.name,
    kind: c.kind,
    attempt: c.attempt,
    image: c.image,
    imageId,
    phase: c.status,
    starting: false,
    stopping: false,
    knownSince: now,
    probes: {},
  };
  updateInstance(inst, c);
  return inst;
}

const ORDER = { created: 0, running: 1, exited: 2, unknown: -1 } as const;

/**
 * Copies what the runtime says into an instance. States only move forward (created → running →
 * exited): a relist taken before a start or stop finished must not undo what we already know.
 */
export function updateInstance(inst: Instance, c: ObservedContainer): void {
  if (c.status === "unknown") {
    if (inst.phase !== "exited") inst.phase = "unknown";
    return;
  }
  if (inst.phase !== "unknown" && ORDER[c.status] < ORDER[inst.phase]) return;
  inst.phase = c.status;
  if (c.createdAt) inst.createdAt = c.createdAt;
  if (c.startedAt) inst.startedAt = c.startedAt;
  if (c.status === "exited") {
    inst.finishedAt = c.finishedAt ?? inst.finishedAt;
    inst.exitCode = c.exitCode ?? inst.exitCode;
    inst.oomKilled = c.oomKilled ?? inst.oomKilled;
    if (c.message !== undefined) inst.message = c.message;
  }
}

export function isActive(inst: Instance | undefined): boolean {
  return inst !== undefined && inst.phase !== "exited";
}
