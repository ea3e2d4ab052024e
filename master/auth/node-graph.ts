// The Node authorizer's knowledge of who runs what: which node each pod is bound to and which
// Secrets and ConfigMaps those pods read. Upstream keeps a graph (node ← pod ← secret, ...); with
// only pods as edges here, an index does the same job. Fed by a pod informer on every master
// (master/auth/node-graph-feed.ts), read by node-authorizer.ts.

import type { KubeObject } from "../../api/object";
import { namespacedKey } from "../../api/object-key";
import { configKey, referencedConfig, type ConfigKind } from "../dispatch/volume-refs";

/** The questions the Node authorizer asks. */
export interface NodeGraph {
  /** The node `namespace/name` is bound to, if the pod exists and is bound. */
  podNode(namespace: string, name: string): string | undefined;
  /** Whether a pod bound to `node` references the Secret or ConfigMap `namespace/name`. */
  nodeReferences(node: string, kind: ConfigKind, namespace: string, name: string): boolean;
}

interface PodEntry {
  node: string;
  refs: Set<string>;
}

export class PodIndex implements NodeGraph {
  private readonly pods = new Map<string, PodEntry>();
  /** config key → node → number of that node's pods referencing it. */
  private readonly refs = new Map<string, Map<string, number>>();

  /** A pod was added or changed (unbound pods count for nothing). */
  put(pod: KubeObject): void {
    const key = namespacedKey(pod.metadata.namespace ?? "", pod.metadata.name ?? "");
    this.remove(key);
    const node = (pod.spec as { nodeName?: unknown } | undefined)?.nodeName;
    if (typeof node !== "string" || node === "") return;
    const entry: PodEntry = { node, refs: referencedConfig(pod) };
    this.pods.set(key, entry);
    for (const ref of entry.refs) {
      let byNode = this.refs.get(ref);
      if (!byNode) this.refs.set(ref, (byNode = new Map()));
      byNode.set(node, (byNode.get(node) ?? 0) + 1);
    }
  }

  delete(pod: KubeObject): void {
    this.remove(namespacedKey(pod.metadata.namespace ?? "", pod.metadata.name ?? ""));
  }

  podNode(namespace: string, name: string): string | undefined {
    return this.pods.get(namespacedKey(namespace, name))?.node;
  }

  nodeReferences(node: string, kind: ConfigKind, namespace: string, name: string): boolean {
    return (this.refs.get(configKey({ kind, namespace, name }))?.get(node) ?? 0) > 0;
  }

  private remove(key: string): void {
    const old = this.pods.get(key);
    if (!old) return;
    this.pods.delete(key);
    for (const ref of old.refs) {
      const byNode = this.refs.get(ref);
      const n = (byNode?.get(old.node) ?? 0) - 1;
      if (n > 0) byNode!.set(old.node, n);
      else {
        byNode?.delete(old.node);
        if (byNode?.size === 0) this.refs.delete(ref);
      }
    }
  }
}
