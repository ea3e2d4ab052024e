// The labels the agent stores on every container it creates, and the container id scheme.
// They are the agent's only memory that survives a restart: after one, runtime.list() plus
// these labels say which pod, container and attempt each container is (agent/recovery.ts).

import { createHash } from "node:crypto";
import type { ContainerState } from "../runtime/types";
import type { ContainerKind, ObservedContainer } from "./pod-worker/types";

export const Label = {
  podUid: "io.kubernetes.pod.uid",
  podName: "io.kubernetes.pod.name",
  podNamespace: "io.kubernetes.pod.namespace",
  containerName: "io.kubernetes.container.name",
  containerKind: "gantry.io/container-kind",
  attempt: "gantry.io/attempt",
  image: "gantry.io/image",
  /** The pod's grace period, so a pod removed while the agent was down stops as gracefully. */
  podGracePeriod: "io.kubernetes.pod.terminationGracePeriod",
  /** Host path of the termination-message file, read when the container exits. */
  terminationLog: "gantry.io/termination-log",
  terminationMessagePolicy: "gantry.io/termination-message-policy",
} as const;

/**
 * Deterministic per (pod uid, container, attempt): a restarted container gets a new id (so the
 * previous run's logs stay readable), and a retried create after a crash hits the same id
 * instead of leaking a second container. 32 hex characters keep socket paths under the
 * kernel's 108-byte limit.
 */
export function containerId(podUid: string, name: string, attempt: number): string {
  return createHash("sha256").update(`${podUid}\0${name}\0${attempt}`).digest("hex").slice(0, 32);
}

export interface PodIdentity {
  uid: string;
  namespace: string;
  name: string;
}

export function podOf(labels: Record<string, string>): PodIdentity | undefined {
  const uid = labels[Label.podUid];
  if (!uid) return undefined;
  return { uid, namespace: labels[Label.podNamespace] ?? "", name: labels[Label.podName] ?? "" };
}

/** The pod worker's view of a runtime container; undefined for containers that are not ours. */
export function observedFrom(state: ContainerState, message?: string): ObservedContainer | undefined {
  const l = state.labels;
  const name = l[Label.containerName];
  const attempt = Number(l[Label.attempt]);
  if (!l[Label.podUid] || !name || !Number.isInteger(attempt)) return undefined;
  const labelled = l[Label.containerKind];
  const kind: ContainerKind = labelled === "init" || labelled === "ephemeral" ? labelled : "app";
  const o: ObservedContainer = { id: state.id, name, kind, attempt, image: l[Label.image] ?? "", status: state.status, createdAt: state.createdAt };
  if (state.startedAt) o.startedAt = state.startedAt;
  if (state.finishedAt) o.finishedAt = state.finishedAt;
  if (state.exitCode !== undefined) o.exitCode = state.exitCode;
  if (state.oomKilled !== undefined) o.oomKilled = state.oomKilled;
  if (message !== undefined) o.message = message;
  return o;
}
