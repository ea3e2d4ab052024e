// Writing bindings. A binding does what the pods/binding subresource does: it sets spec.nodeName
// on a pod that has none and is not being deleted, and marks PodScheduled=True in its status. Two
// writers share that rule: EtcdBindWriter writes a whole batch in compare-and-swap transactions
// (txn-batch.ts) straight on etcd; StoreBindWriter goes pod by pod through any Store.

import type { Etcd3 } from "etcd3";
import type { WriteFence } from "../election/fence";
import { isJsonObject, type KubeObject } from "../../api/object";
import { decodeObject, encodeObject } from "../store/etcd-codec";
import type { Store } from "../store/types";
import { StoreError } from "../store/types";
import { casBatch, type CasWrite } from "./txn-batch";

export interface BindRequest {
  /** The pod's etcd key. */
  storageKey: string;
  /** The pod as stored (the informer's copy); its resourceVersion is the compare. */
  pod: KubeObject;
  nodeName: string;
  /** When the pod was first queued (performance.now()), for latency metrics; not written. */
  queuedAt?: number;
  /** When the scheduling cycle that chose the node began (performance.now()), for metrics. */
  attemptStartedAt?: number;
}

export type BindOutcome =
  | { kind: "bound"; pod: KubeObject }
  /** The pod no longer exists. */
  | { kind: "gone" }
  /** The binding rule refused: already assigned, or being deleted. */
  | { kind: "refused"; reason: string }
  | { kind: "error"; error: unknown };

export interface BindWriter {
  /** One outcome per request, same order. Never rejects for a per-pod failure. */
  write(requests: readonly BindRequest[]): Promise<BindOutcome[]>;
}

export function timestamp(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The bound pod, or why binding is refused. */
export function applyBinding(pod: KubeObject, nodeName: string, now: Date): { pod: KubeObject } | { refused: string } {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const name = pod.metadata.name ?? "";
  if (pod.metadata.deletionTimestamp) return { refused: "pod is being deleted, cannot be assigned to a host" };
  if (typeof spec.nodeName === "string" && spec.nodeName !== "") return { refused: `pod ${name} is already assigned to node "${spec.nodeName}"` };
  const status = isJsonObject(pod.status) ? pod.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions.filter((c) => !(isJsonObject(c) && c.type === "PodScheduled")) : [];
  conditions.push({ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: timestamp(now) });
  return { pod: { ...pod, spec: { ...spec, nodeName }, status: { ...status, conditions } } };
}

/** Batches as etcd transactions; a request whose pod changed meanwhile is re-bound on the new version. */
export class EtcdBindWriter implements BindWriter {
  constructor(
    private readonly client: Etcd3,
    private readonly now: () => Date,
    /** The leader's term: a deposed leader's batch fails whole (every request a NotLeaderError). */
    private readonly fence?: WriteFence,
    /** Rounds of "pod changed, bind the new version" before giving up with a Conflict error. */
    private readonly maxRounds = 5,
  ) {}

  async write(requests: readonly BindRequest[]): Promise<BindOutcome[]> {
    const outcomes = new Array<BindOutcome>(requests.length);
    let round: { index: number; pod: KubeObject }[] = requests.map((r, index) => ({ index, pod: r.pod }));
    for (let attempt = 1; round.length > 0; attempt++) {
      const writes: CasWrite[] = [];
      const writing: { index: number; bound: KubeObject }[] = [];
      for (const { index, pod } of round) {
        const bound = applyBinding(pod, requests[index].nodeName, this.now());
        if ("refused" in bound) {
          outcomes[index] = { kind: "refused", reason: bound.refused };
          continue;
        }
        writes.push({ key: requests[index].storageKey, expectedModRevision: pod.metadata.resourceVersion ?? "0", value: encodeObject(bound.pod) });
        writing.push({ index, bound: bound.pod });
      }
      let results;
      try {
        results = await casBatch(this.client, writes, this.fence);
      } catch (error) {
        for (const { index } of writing) outcomes[index] = { kind: "error", error };
        break;
      }
      const next: { index: number; pod: KubeObject }[] = [];
      results.forEach((res, j) => {
        const { index, bound } = writing[j];
        if (res.ok) {
          outcomes[index] = { kind: "bound", pod: { ...bound, metadata: { ...bound.metadata, resourceVersion: res.revision } } };
        } else if (!res.current) {
          outcomes[index] = { kind: "gone" };
        } else if (attempt >= this.maxRounds) {
          outcomes[index] = { kind: "error", error: new StoreError("Conflict", requests[index].storageKey) };
        } else {
          next.push({ index, pod: decodeObject(requests[index].storageKey, res.current.value, res.current.modRevision) });
        }
      });
      round = next;
    }
    return outcomes;
  }
}

/** Pod by pod through the Store contract, for stores that are not etcd. */
export class StoreBindWriter implements BindWriter {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date,
  ) {}

  write(requests: readonly BindRequest[]): Promise<BindOutcome[]> {
    return Promise.all(requests.map((r) => this.bindOne(r)));
  }

  private async bindOne(r: BindRequest): Promise<BindOutcome> {
    let refused: string | undefined;
    try {
      const pod = await this.store.guaranteedUpdate<KubeObject>(r.storageKey, (current) => {
        const bound = applyBinding(current, r.nodeName, this.now());
        if ("refused" in bound) {
          refused = bound.refused;
          return undefined;
        }
        refused = undefined;
        return bound.pod;
      });
      return refused === undefined ? { kind: "bound", pod } : { kind: "refused", reason: refused };
    } catch (error) {
      if (error instanceof StoreError && error.code === "NotFound") return { kind: "gone" };
      return { kind: "error", error };
    }
  }
}
