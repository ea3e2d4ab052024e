// The cluster as one scheduling cycle sees it: copies of the cache's NodeInfos, refreshed only
// where the cache changed, so a cycle that placed one pod costs one copy, not one per node.
//
// Nodes in the same state — same allocatable, requests, pod count, taints, cordon and host ports
// (NodeInfo.signature) — form a class (NodeGrouping). For a pod whose filters and scores cannot
// tell such nodes apart (it names no node and selects on no label), evaluating one member per
// class gives exactly the verdicts and scores of evaluating every node. In a 5,000-node cluster
// being bin-packed, the thousands of empty nodes are one class, which is what keeps a cycle short.
//
// A scheduling cycle goes one step further (placementFor): through the equivalence cache, the
// nodes that pass the node-only filters (cordon, node name, taints, selector, affinity) are kept
// per equivalence class of pods and grouped by state the same way, so a pod — one that reads
// labels too — is evaluated once per group of the nodes it may use, by the pod-dependent filters
// only (equivalence-cache.ts), and groups without room for its cpu request are skipped
// (node-grouping.ts).

import { EquivalenceCache } from "./equivalence-cache";
import type { NodeInfo } from "./node-info";
import { NodeGrouping } from "./node-grouping";
import type { PodInfo } from "./pod-info";
import { nodeOnlyFilters } from "./plugins";
import type { FilterPlugin } from "./types";

const byName = (a: NodeInfo, b: NodeInfo) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** What one cycle filters and scores, and what each of those nodes stands for. */
export interface Placement {
  candidates: readonly NodeInfo[];
  /** Every node in a candidate's state (itself included), sorted by name. */
  standsFor: (candidate: NodeInfo) => readonly NodeInfo[];
}

export class Snapshot {
  /** Every NodeInfo, including names that only have pods (no Node object). */
  readonly byName = new Map<string, NodeInfo>();
  /** Nodes with a Node object, sorted by name: what the filters run over. */
  nodes: NodeInfo[] = [];
  /** Per class of pods that read node names or labels: the nodes they may use, grouped. */
  readonly equivalence: EquivalenceCache;
  private readonly position = new Map<string, number>();
  private readonly classes = new NodeGrouping();

  /** `nodeOnlyFilters`: the filters that read only the Node object (see EquivalenceCache). */
  constructor(filters: readonly FilterPlugin[] = nodeOnlyFilters()) {
    this.equivalence = new EquivalenceCache(filters);
  }

  /** Replaces (or with undefined, removes) the copy of one node. */
  put(name: string, copy: NodeInfo | undefined): void {
    const old = this.byName.get(name);
    if (old) this.classes.remove(name);
    this.equivalence.nodeChanged(name, old, copy);
    if (!copy) {
      this.byName.delete(name);
      return;
    }
    this.byName.set(name, copy);
    const at = this.position.get(name);
    if (at !== undefined && this.nodes[at]?.name === name) this.nodes[at] = copy;
    if (copy.node) this.classes.add(copy);
  }

  /** After nodes appeared or disappeared: rebuild the sorted list. */
  relist(): void {
    this.nodes = [...this.byName.values()].filter((n) => n.node).sort(byName);
    this.position.clear();
    this.nodes.forEach((n, i) => this.position.set(n.name, i));
  }

  /**
   * What a pod's filters must run over when nothing is cached: every node when the pod reads node
   * names or labels (nodeName, nodeSelector, node affinity), else one node per class.
   */
  candidatesFor(pod: PodInfo): readonly NodeInfo[] {
    if (pod.readsNodeIdentity) return this.nodes;
    return this.classes.candidates();
  }

  /**
   * What a candidate from candidatesFor(pod) stands for: itself when every node was a candidate,
   * else every node in its state (itself included), sorted by name.
   */
  standsFor(pod: PodInfo): (candidate: NodeInfo) => readonly NodeInfo[] {
    if (pod.readsNodeIdentity) return (n) => [n];
    return (n) => this.classes.membersLike(n);
  }

  /**
   * What a scheduling cycle evaluates for `pod` with the pod-dependent filters only: one node per
   * group of the nodes its equivalence class passes the node-only filters on, among those with
   * room for its cpu request. The choice is the same as a full scan with every filter.
   */
  placementFor(pod: PodInfo): Placement {
    const { eligible } = this.equivalence.classOf(pod, this.nodes);
    return { candidates: eligible.candidatesWithFreeCpu(pod.requests.milliCpu), standsFor: (n) => eligible.membersLike(n) };
  }

  classCount(): number {
    return this.classes.size();
  }
}
