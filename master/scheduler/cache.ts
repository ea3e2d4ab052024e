// The scheduler's picture of the cluster, fed by the node and pod informers, plus the pods it has
// placed but whose binding is not yet visible in etcd ("assumed" pods).
//
// Assume-then-confirm: the moment a pod is chosen for a node it is added to that node here, so the
// next cycle already counts its resources even though the bind write has not landed. When the
// informer later reports the pod bound, that observation replaces the assumption (on whatever node
// etcd says). If the bind fails, `forget` takes the assumption back. The cache never reads a
// clock or does I/O; the Scheduler calls it from informer events and bind results.

import type { KubeObject } from "../../api/object";
import { NodeInfo } from "./node-info";
import type { Snapshot } from "./snapshot";
import { newPodInfo, podKey, podSpec, type PodInfo } from "./pod-info";

interface CachedPod {
  info: PodInfo;
  nodeName: string;
  /** Placed by us, not yet seen bound by the informer. */
  assumed: boolean;
}

/** Terminal pods hold no resources; Kubernetes' scheduler does not even watch them. */
export function isTerminal(pod: KubeObject): boolean {
  const phase = (pod.status as { phase?: unknown } | undefined)?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

export function assignedNode(pod: KubeObject): string {
  const name = podSpec(pod).nodeName;
  return typeof name === "string" ? name : "";
}

export class SchedulerCache {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly pods = new Map<string, CachedPod>();
  /** Node names changed since the last snapshot update. */
  private readonly dirty = new Set<string>();
  private nodeSetChanged = true;

  // --- nodes ---------------------------------------------------------------------------------

  setNode(node: KubeObject): void {
    const name = node.metadata.name ?? "";
    let info = this.nodes.get(name);
    if (!info || !info.node) this.nodeSetChanged = true;
    if (!info) {
      info = new NodeInfo(name);
      this.nodes.set(name, info);
    }
    info.setNode(node);
    this.dirty.add(name);
  }

  removeNode(name: string): void {
    const info = this.nodes.get(name);
    if (!info) return;
    this.nodeSetChanged = true;
    this.dirty.add(name);
    // Pods still bound to a deleted node keep their accounting until they go, in case the node
    // comes back under the same name (an agent re-registering).
    if (info.pods.size > 0) info.node = undefined;
    else this.nodes.delete(name);
  }

  // --- pods ------------------------------------------------------------------------------------

  /** An assigned, non-terminal pod as the informer reports it; confirms an assumption. */
  observePod(pod: KubeObject): void {
    const nodeName = assignedNode(pod);
    const key = podKey(pod);
    if (!nodeName || isTerminal(pod)) {
      this.removePod(key);
      return;
    }
    this.removePod(key);
    this.place(key, newPodInfo(pod), nodeName, false);
  }

  removePod(key: string): void {
    const cached = this.pods.get(key);
    if (!cached) return;
    this.pods.delete(key);
    const info = this.nodes.get(cached.nodeName);
    if (!info) return;
    info.removePod(key);
    this.dirty.add(cached.nodeName);
    if (!info.node && info.pods.size === 0) this.nodes.delete(cached.nodeName);
  }

  /** The scheduler chose `nodeName` for the pod; count it there until the bind resolves. */
  assume(pod: PodInfo, nodeName: string): void {
    this.removePod(pod.key);
    this.place(pod.key, pod, nodeName, true);
  }

  /**
   * The bind failed: take the assumption back. An informer-confirmed placement stays, and so does
   * an assumption for a newer pod of the same name (`uid` tells them apart).
   */
  forget(key: string, uid?: string): void {
    const cached = this.pods.get(key);
    if (!cached?.assumed) return;
    if (uid !== undefined && cached.info.pod.metadata.uid !== uid) return;
    this.removePod(key);
  }

  isAssumed(key: string): boolean {
    return this.pods.get(key)?.assumed === true;
  }

  /** The node a pod is counted on (assumed or confirmed), if any. */
  nodeOf(key: string): string | undefined {
    return this.pods.get(key)?.nodeName;
  }

  nodeCount(): number {
    let n = 0;
    for (const info of this.nodes.values()) if (info.node) n++;
    return n;
  }

  private place(key: string, info: PodInfo, nodeName: string, assumed: boolean): void {
    let node = this.nodes.get(nodeName);
    if (!node) {
      node = new NodeInfo(nodeName);
      this.nodes.set(nodeName, node);
    }
    node.addPod(info);
    this.pods.set(key, { info, nodeName, assumed });
    this.dirty.add(nodeName);
  }

  // --- snapshots -------------------------------------------------------------------------------

  /**
   * Brings `snapshot` up to date: only nodes changed since its last update are copied, so a cycle
   * that placed one pod costs one NodeInfo copy, not one per node.
   */
  updateSnapshot(snapshot: Snapshot): void {
    for (const name of this.dirty) snapshot.put(name, this.nodes.get(name)?.clone());
    this.dirty.clear();
    if (this.nodeSetChanged) {
      snapshot.relist();
      this.nodeSetChanged = false;
    }
  }
}
