// Writes PodScheduled=False conditions through the API's status rules, a few at a time. Requests
// for the same pod coalesce (only the newest message is written), and a write that would change
// nothing (same status, reason and message) is skipped, so a pod retried every minute does not
// rewrite itself every minute.

import { ApiError } from "../../api/errors";
import { isJsonObject, type KubeObject } from "../../api/object";
import type { ResourceClient } from "../registry/internal-client";
import { formatTimestamp as timestamp } from "../../api/lifecycle";
import { podKey } from "./pod-info";

export interface PodCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

interface Job {
  namespace: string;
  name: string;
  uid: string | undefined;
  condition: PodCondition;
}

/** The pod with `condition` set, or undefined when it already says exactly that. */
export function withCondition(pod: KubeObject, condition: PodCondition, now: Date): KubeObject | undefined {
  const status = isJsonObject(pod.status) ? pod.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isJsonObject) : [];
  const old = conditions.find((c) => c.type === condition.type);
  if (old && old.status === condition.status && old.reason === condition.reason && old.message === condition.message) return undefined;
  const lastTransitionTime = old && old.status === condition.status && typeof old.lastTransitionTime === "string" ? old.lastTransitionTime : timestamp(now);
  const next = { ...condition, lastProbeTime: null, lastTransitionTime };
  const rest = conditions.filter((c) => c.type !== condition.type);
  return { ...pod, status: { ...status, conditions: [...rest, next] } };
}

export class StatusWriter {
  private readonly queued = new Map<string, Job>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly pods: ResourceClient,
    private readonly now: () => Date,
    private readonly onError: (err: unknown, pod: string) => void,
    private readonly concurrency = 4,
  ) {}

  set(pod: KubeObject, condition: PodCondition): void {
    if (this.stopped) return;
    this.queued.set(podKey(pod), { namespace: pod.metadata.namespace ?? "", name: pod.metadata.name ?? "", uid: pod.metadata.uid, condition });
    this.pump();
  }

  /** Drops what has not started and waits for the writes in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queued.clear();
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.concurrency && this.queued.size > 0) {
      const [key, job] = this.queued.entries().next().value as [string, Job];
      this.queued.delete(key);
      const p = this.write(job)
        .catch((err) => this.onError(err, key))
        .finally(() => {
          this.running.delete(p);
          this.pump();
        });
      this.running.add(p);
    }
  }

  private async write(job: Job): Promise<void> {
    try {
      await this.pods.update(
        job.namespace,
        job.name,
        (pod) => {
          // Bound, replaced or going away since: the condition is no longer ours to write.
          const spec = isJsonObject(pod.spec) ? pod.spec : {};
          if (pod.metadata.uid !== job.uid || spec.nodeName || pod.metadata.deletionTimestamp) return undefined;
          return withCondition(pod, job.condition, this.now());
        },
        { statusOnly: true },
      );
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return;
      throw err;
    }
  }
}
