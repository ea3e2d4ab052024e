// The cluster as one scheduling cycle sees it: copies of the cache's NodeInfos, refreshed only
// where the cache changed, so a cycle that placed one pod costs one copy, not one per node.
//
// A scheduling cycle asks placementFor(pod). Pods with the same node name, node selector, required
// affinity and tolerations form an equivalence class: the equivalence cache keeps, per class, the
// nodes that pass the node-only filters (cordon, node name, taints, selector, affinity), grouped
// by state — same allocatable, requests, pod count, taints, cordon and host ports
// (NodeInfo.signature, node-grouping.ts). The pod-dependent filters and the scorers cannot tell
// the members of a group apart, so one member per group stands for all of them, and groups
// without room for the pod's cpu request are skipped. In a 5,000-node cluster being bin-packed,
// the thousands of empty nodes are one group, which is what keeps a cycle short; the choice is
// exactly that of a full scan with every filter (snapshot.test.ts, equivalence-cache.test.ts).

import { EquivalenceCache } from "./equivalence-cache";
import type { NodeInfo } from "./node-info";
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

  /** `nodeOnlyFilters`: the filters that read only the Node object (see EquivalenceCache). */
  constructor(filters: readonly FilterPlugin[] = nodeOnlyFilters()) {
    this.equivalence = new EquivalenceCache(filters);
  }

  /** Replaces (or with undefined, removes) the copy of one node. */
  put(name: string, copy: NodeInfo | undefined): void {
    const old = this.byName.get(name);
    this.equivalence.nodeChanged(name, old, copy);
    if (!copy) {
      this.byName.delete(name);
      return;
    }
    this.byName.set(name, copy);
    const at = this.position.get(name);
    if (at !== undefined && this.nodes[at]?.name === name) this.nodes[at] = copy;
  }

  /** After nodes appeared or disappeared: rebuild the sorted list. */
  relist(): void {
    this.nodes = [...this.byName.values()].filter((n) => n.node).sort(byName);
    this.position.clear();
    this.nodes.forEach((n, i) => this.position.set(n.name, i));
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
}
