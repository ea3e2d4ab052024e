// Many bindings in few etcd transactions: the scheduler's write. Each pod is admitted first
// (authorization, binding admission and the binding rule, by the caller's `admit`), then the
// bound pods are written as compare-and-swap puts, up to 128 per transaction (txn-batch.ts). A pod
// that changed since it was read is admitted again on its new version and written in the next
// round, up to CONFLICT_RETRIES rounds.

import type { Etcd3 } from "etcd3";
import type { KubeObject } from "../../api/object";
import { storageKey, type ResourceType } from "../../api/resources";
import { decodeObject, encodeObject } from "../store/etcd-codec";
import { errors } from "../../api/errors";
import { CONFLICT_RETRIES } from "./retry";
import { casBatch, type CasWrite } from "./txn-batch";
import type { WriteFence } from "./write-fence";

export interface BindRequest {
  /** The pod as read (an informer's copy); its resourceVersion is the compare. */
  pod: KubeObject;
  nodeName: string;
}

export type BindOutcome =
  | { kind: "bound"; pod: KubeObject }
  /** The pod no longer exists. */
  | { kind: "gone" }
  /** The binding rule refused: already assigned, or being deleted. */
  | { kind: "refused"; reason: string }
  /** Authorization or admission refused, or the write failed. */
  | { kind: "error"; error: unknown };

/** The bound pod to write, or the outcome that settles the request without a write. */
export type Admitted = { pod: KubeObject } | { outcome: BindOutcome };

/** `fence`: every transaction also carries it; once it fails, every pod not yet bound gets its error. */
export async function bindInTransactions(client: Etcd3, pods: ResourceType, requests: readonly BindRequest[], admit: (index: number, pod: KubeObject) => Admitted, fence?: WriteFence): Promise<BindOutcome[]> {
  const outcomes = new Array<BindOutcome>(requests.length);
  const keys = requests.map((r) => storageKey(pods, r.pod.metadata.namespace, r.pod.metadata.name ?? ""));
  let round: { index: number; pod: KubeObject }[] = requests.map((r, index) => ({ index, pod: r.pod }));
  for (let attempt = 0; round.length > 0; attempt++) {
    const writes: CasWrite[] = [];
    const writing: { index: number; bound: KubeObject }[] = [];
    for (const { index, pod } of round) {
      const admitted = admit(index, pod);
      if ("outcome" in admitted) {
        outcomes[index] = admitted.outcome;
        continue;
      }
      writes.push({ key: keys[index], expectedModRevision: pod.metadata.resourceVersion ?? "0", value: encodeObject(admitted.pod) });
      writing.push({ index, bound: admitted.pod });
    }
    let results;
    try {
      results = await casBatch(client, writes, fence);
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
      } else if (attempt >= CONFLICT_RETRIES) {
        const name = requests[index].pod.metadata.name ?? "";
        outcomes[index] = { kind: "error", error: errors.conflict("", "pods", name, "the object has been modified; please apply your changes to the latest version and try again") };
      } else {
        next.push({ index, pod: decodeObject(keys[index], res.current.value, res.current.modRevision) });
      }
    });
    round = next;
  }
  return outcomes;
}
