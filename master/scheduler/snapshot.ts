// The cluster as one scheduling cycle sees it: copies of the cache's NodeInfos, refreshed only
// where the cache changed, so a cycle that placed one pod costs one copy, not one per node.
//
// Nodes in the same state — same allocatable, requests, pod count, taints, cordon and host ports
// (NodeInfo.signature) — form a class. For a pod whose filters and scores cannot tell such nodes
// apart (it names no node and selects on no label), evaluating one member per class gives exactly
// the verdicts and scores of evaluating every node. In a 5,000-node cluster being bin-packed,
// the thousands of empty nodes are one class, which is what keeps a cycle short.

import type { NodeInfo } from "./node-info";
import type { PodInfo } from "./pod-info";

export interface NodeClass {
  readonly signature: string;
  /** Sorted by name. */
  readonly members: NodeInfo[];
}

const byName = (a: NodeInfo, b: NodeInfo) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Index of `name` in a name-sorted list, or where it would go. */
function searchByName(list: readonly NodeInfo[], name: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].name < name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class Snapshot {
  /** Every NodeInfo, including names that only have pods (no Node object). */
  readonly byName = new Map<string, NodeInfo>();
  /** Nodes with a Node object, sorted by name: what the filters run over. */
  nodes: NodeInfo[] = [];
  private readonly position = new Map<string, number>();
  private readonly classes = new Map<string, NodeClass>();
  private readonly classOf = new Map<string, NodeClass>();
  private classList?: NodeClass[];

  /** Replaces (or with undefined, removes) the copy of one node. */
  put(name: string, copy: NodeInfo | undefined): void {
    const old = this.byName.get(name);
    if (old) this.leaveClass(old);
    if (!copy) {
      this.byName.delete(name);
      return;
    }
    this.byName.set(name, copy);
    const at = this.position.get(name);
    if (at !== undefined && this.nodes[at]?.name === name) this.nodes[at] = copy;
    if (copy.node) this.joinClass(copy);
  }

  /** After nodes appeared or disappeared: rebuild the sorted list. */
  relist(): void {
    this.nodes = [...this.byName.values()].filter((n) => n.node).sort(byName);
    this.position.clear();
    this.nodes.forEach((n, i) => this.position.set(n.name, i));
  }

  /**
   * What a pod's filters must run over: every node when the pod reads node names or labels
   * (nodeName, nodeSelector, node affinity), else one node per class.
   */
  candidatesFor(pod: PodInfo): NodeInfo[] {
    if (pod.readsNodeIdentity) return this.nodes;
    this.classList ??= [...this.classes.values()];
    return this.classList.map((c) => c.members[0]);
  }

  /**
   * What a candidate from candidatesFor(pod) stands for: itself when every node was a candidate,
   * else every node in its state (itself included), sorted by name.
   */
  standsFor(pod: PodInfo): (candidate: NodeInfo) => readonly NodeInfo[] {
    if (pod.readsNodeIdentity) return (n) => [n];
    return (n) => this.classOf.get(n.name)?.members ?? [n];
  }

  classCount(): number {
    return this.classes.size;
  }

  private joinClass(node: NodeInfo): void {
    const signature = node.signature();
    let cls = this.classes.get(signature);
    if (!cls) {
      cls = { signature, members: [] };
      this.classes.set(signature, cls);
      this.classList = undefined;
    }
    cls.members.splice(searchByName(cls.members, node.name), 0, node);
    this.classOf.set(node.name, cls);
  }

  private leaveClass(node: NodeInfo): void {
    const cls = this.classOf.get(node.name);
    if (!cls) return;
    this.classOf.delete(node.name);
    const i = searchByName(cls.members, node.name);
    if (cls.members[i]?.name === node.name) cls.members.splice(i, 1);
    if (cls.members.length === 0) {
      this.classes.delete(cls.signature);
      this.classList = undefined;
    }
  }
}
