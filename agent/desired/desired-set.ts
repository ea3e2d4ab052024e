// The node's desired state: pods by uid and the ConfigMap/Secret data they read, changed by
// DesiredPods messages (full sets or deltas, from a master session or SetDesiredPods). Pure:
// apply() says what changed; the caller starts, updates and removes pod workers accordingly.
//
// A pod entry is usable only if its JSON parses, is a Pod with containers, and agrees with the
// typed fields (uid, namespace, name). An unusable entry is rejected; if the agent already ran
// an earlier version of that pod it keeps that one rather than kill a running pod over a bad
// message.

import type { Pod } from "kubernetes-types/core/v1";
import { applyDefaults } from "../../api/defaults";
import type { KubeObject } from "../../api/object";
import { referencedObjects } from "../pod-spec/references";
import { volumeDataKey, type VolumeDataLookup, type VolumeSourceData } from "../pod-spec/volume-data";

export interface DesiredPodEntry {
  uid: string;
  namespace: string;
  name: string;
  resourceVersion: string;
  podJson: string;
}

export interface DesiredPodsUpdate {
  generation: number;
  full: boolean;
  upsert: DesiredPodEntry[];
  remove: string[];
  volumeData: VolumeSourceData[];
}

export interface AcceptedPod extends DesiredPodEntry {
  /** Parsed and defaulted (apiserver defaults), so pods sent by tools behave like the master's. */
  pod: Pod;
}

export interface ApplyResult {
  rejected: Array<{ uid: string; message: string }>;
  /** New pods and pods whose entry changed. */
  upserted: AcceptedPod[];
  /** Uids that left the desired set. */
  removed: string[];
}

export function parseEntry(e: DesiredPodEntry): AcceptedPod | string {
  let obj: unknown;
  try {
    obj = JSON.parse(e.podJson);
  } catch (err) {
    return `pod_json does not parse: ${(err as Error).message}`;
  }
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) return "pod_json is not a JSON object";
  const pod = obj as Pod;
  const meta = pod.metadata ?? {};
  if (meta.uid !== e.uid) return `pod_json metadata.uid ${JSON.stringify(meta.uid)} does not match uid ${JSON.stringify(e.uid)}`;
  if ((meta.namespace ?? "") !== e.namespace) return `pod_json metadata.namespace ${JSON.stringify(meta.namespace)} does not match namespace ${JSON.stringify(e.namespace)}`;
  if (meta.name !== e.name) return `pod_json metadata.name ${JSON.stringify(meta.name)} does not match name ${JSON.stringify(e.name)}`;
  if (!Array.isArray(pod.spec?.containers) || pod.spec.containers.length === 0) return "pod_json has no spec.containers";
  const names = new Set<string>();
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    if (!c || typeof c.name !== "string" || !c.name) return "a container has no name";
    if (names.has(c.name)) return `container name ${JSON.stringify(c.name)} is used twice`;
    names.add(c.name);
  }
  const defaulted = applyDefaults("Pod", pod as unknown as KubeObject) as unknown as Pod;
  return { ...e, pod: defaulted };
}

export class DesiredSet implements VolumeDataLookup {
  readonly pods = new Map<string, AcceptedPod>();
  private data = new Map<string, VolumeSourceData>();
  generation = 0;

  get(kind: VolumeSourceData["kind"], namespace: string, name: string): VolumeSourceData | undefined {
    return this.data.get(volumeDataKey(kind, namespace, name));
  }

  volumeData(): VolumeSourceData[] {
    return [...this.data.values()];
  }

  apply(u: DesiredPodsUpdate): ApplyResult {
    const result: ApplyResult = { rejected: [], upserted: [], removed: [] };
    const before = new Map(this.pods);
    const next = u.full ? new Map<string, AcceptedPod>() : new Map(this.pods);
    for (const uid of u.remove) next.delete(uid);
    for (const e of u.upsert) {
      const parsed = parseEntry(e);
      if (typeof parsed === "string") {
        result.rejected.push({ uid: e.uid, message: parsed });
        const old = before.get(e.uid);
        if (old) next.set(e.uid, old);
        continue;
      }
      next.set(e.uid, parsed);
      const old = before.get(e.uid);
      if (!old || old.podJson !== parsed.podJson || old.resourceVersion !== parsed.resourceVersion) result.upserted.push(parsed);
    }
    for (const uid of before.keys()) if (!next.has(uid)) result.removed.push(uid);
    this.pods.clear();
    for (const [k, v] of next) this.pods.set(k, v);

    if (u.full) this.data.clear();
    for (const d of u.volumeData) this.data.set(volumeDataKey(d.kind, d.namespace, d.name), d);
    const referenced = new Set<string>();
    for (const p of this.pods.values()) for (const k of referencedObjects(p.pod)) referenced.add(k);
    for (const k of [...this.data.keys()]) if (!referenced.has(k)) this.data.delete(k);
    this.generation = u.generation;
    return result;
  }
}
