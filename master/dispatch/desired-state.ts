// What one node has been told, and what it must be told next. Pure: give it the pods bound to
// the node and a lookup of ConfigMaps/Secrets; it answers with the DesiredPods message that
// brings the node from what was sent to what is wanted — a full set on a new session, deltas
// after — or undefined when nothing changed.
//
// A pod is re-sent only when its metadata or spec changes. Status writes (the agent's own
// reports coming back through the informer) bump the resourceVersion but are not news to the
// agent, so they produce no message.

import { createHash } from "node:crypto";
import type { KubeObject } from "../../api/object";
import { DesiredPod, DesiredPods } from "../../proto/gen/agent";
import { configVersion, parseConfigKey, referencedConfig, toVolumeData } from "./volume-refs";

export interface DesiredInputs {
  /** Every pod whose spec.nodeName is this node, terminating ones included. */
  pods: Iterable<KubeObject>;
  /** A ConfigMap or Secret from the cache, undefined when it does not exist. */
  config(kind: "ConfigMap" | "Secret", namespace: string, name: string): KubeObject | undefined;
}

export class DesiredStateTracker {
  private generation = 0;
  /** uid → fingerprint of the metadata and spec last sent. */
  private readonly sentPods = new Map<string, string>();
  /** configKey → configVersion last sent. */
  private readonly sentConfig = new Map<string, string>();
  private lastReferenced = new Set<string>();
  /** uid → fingerprint by resourceVersion, so unchanged pods are not hashed on every sync. */
  private readonly prints = new Map<string, { rv: string; print: string }>();

  /** Config keys the desired pods referenced at the last computation. */
  get referenced(): ReadonlySet<string> {
    return this.lastReferenced;
  }

  get sentPodUids(): ReadonlySet<string> {
    return new Set(this.sentPods.keys());
  }

  /** The complete set, for a new session: forgets everything sent before. */
  full(inputs: DesiredInputs): DesiredPods {
    this.sentPods.clear();
    this.sentConfig.clear();
    const msg = this.compute(inputs, true);
    return msg!;
  }

  /** The changes since the last message, or undefined when there are none. */
  delta(inputs: DesiredInputs): DesiredPods | undefined {
    return this.compute(inputs, false);
  }

  private compute(inputs: DesiredInputs, full: boolean): DesiredPods | undefined {
    const upsert: DesiredPod[] = [];
    const wanted = new Map<string, string>();
    const referenced = new Set<string>();
    for (const pod of inputs.pods) {
      const uid = pod.metadata.uid ?? "";
      if (!uid) continue;
      const rv = pod.metadata.resourceVersion ?? "";
      let cached = this.prints.get(uid);
      if (!cached || cached.rv !== rv || rv === "") this.prints.set(uid, (cached = { rv, print: fingerprint(pod) }));
      const print = cached.print;
      wanted.set(uid, print);
      for (const key of referencedConfig(pod)) referenced.add(key);
      if (full || this.sentPods.get(uid) !== print) upsert.push(toDesiredPod(pod));
    }
    const remove = full ? [] : [...this.sentPods.keys()].filter((uid) => !wanted.has(uid));

    const volumeData = [];
    const sentConfig = new Map<string, string>();
    for (const key of [...referenced].sort()) {
      const ref = parseConfigKey(key);
      const obj = inputs.config(ref.kind, ref.namespace, ref.name);
      const version = configVersion(obj);
      sentConfig.set(key, version);
      if (full || this.sentConfig.get(key) !== version) volumeData.push(toVolumeData(ref, obj));
    }

    this.lastReferenced = referenced;
    // The agent forgets data no desired pod references, so unreferenced keys are forgotten here
    // too: if a pod references one again, it is sent again.
    this.sentConfig.clear();
    for (const [k, v] of sentConfig) this.sentConfig.set(k, v);
    this.sentPods.clear();
    for (const [k, v] of wanted) this.sentPods.set(k, v);
    for (const uid of this.prints.keys()) if (!wanted.has(uid)) this.prints.delete(uid);

    if (!full && upsert.length === 0 && remove.length === 0 && volumeData.length === 0) return undefined;
    this.generation++;
    return DesiredPods.fromPartial({ generation: this.generation, full, upsert, remove, volumeData });
  }
}

export function toDesiredPod(pod: KubeObject): DesiredPod {
  const { status: _status, ...rest } = pod;
  return DesiredPod.fromPartial({
    uid: pod.metadata.uid ?? "",
    namespace: pod.metadata.namespace ?? "",
    name: pod.metadata.name ?? "",
    resourceVersion: pod.metadata.resourceVersion ?? "",
    // Status is the agent's to report, not to read; leaving it out keeps messages small.
    podJson: JSON.stringify({ apiVersion: "v1", kind: "Pod", ...rest }),
  });
}

function fingerprint(pod: KubeObject): string {
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = pod.metadata;
  return createHash("sha256").update(JSON.stringify([meta, pod.spec ?? null])).digest("base64");
}
