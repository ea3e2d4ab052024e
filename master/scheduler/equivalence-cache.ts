// The equivalence cache: pods with the same scheduling-relevant spec for the filters that read only
// the Node object (cordon, node name, taints, node selector and required affinity) get the same
// verdict from those filters on every node. So per equivalence class — keyed by the pod's node
// name, node selector, required node affinity and tolerations (PodInfo.equivalenceKey) — the
// nodes that pass them are found once and kept, grouped by state (NodeGrouping), rather than
// every pod filtering every node.
//
// Invalidation is per node: whenever a node's copy changes (Snapshot.put), every cached class
// re-checks that one node — again only if its Node object changed, since pods placed on a node do
// not change these verdicts — and moves it to its new group. A class is evicted when more than
// `capacity` are cached (least recently used first); the next pod of it rebuilds it with one pass.

import type { NodeInfo } from "./node-info";
import { NodeGrouping } from "./node-grouping";
import type { PodInfo } from "./pod-info";
import type { FilterPlugin } from "./types";

export interface EquivalenceClass {
  /** Nodes that pass the node-only filters for this class's pods, grouped by state. */
  readonly eligible: NodeGrouping;
}

interface Entry extends EquivalenceClass {
  /** A pod of the class: the node-only filters are re-run with it when a node changes. */
  readonly sample: PodInfo;
}

export interface EquivalenceStats {
  hits: number;
  misses: number;
  classes: number;
}

export class EquivalenceCache {
  private readonly entries = new Map<string, Entry>();
  private lastUsed?: string;
  readonly stats: EquivalenceStats = { hits: 0, misses: 0, classes: 0 };

  constructor(
    /** The filters whose verdict depends only on the Node object, never on its pods. */
    private readonly nodeOnlyFilters: readonly FilterPlugin[],
    private readonly capacity = 64,
  ) {}

  /** The class of `pod`, built from `nodes` (every node with a Node object) on a miss. */
  classOf(pod: PodInfo, nodes: readonly NodeInfo[]): EquivalenceClass {
    const key = pod.equivalenceKey;
    const hit = this.entries.get(key);
    if (hit) {
      this.stats.hits++;
      // Map order is insertion order: re-inserting keeps the most recently used last (a burst of
      // pods of one class skips it).
      if (key !== this.lastUsed) {
        this.entries.delete(key);
        this.entries.set(key, hit);
        this.lastUsed = key;
      }
      return hit;
    }
    this.stats.misses++;
    const entry: Entry = { sample: pod, eligible: new NodeGrouping() };
    for (const node of nodes) if (this.passes(pod, node)) entry.eligible.add(node);
    this.entries.set(key, entry);
    this.lastUsed = key;
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.stats.classes = this.entries.size;
    return entry;
  }

  /**
   * A node's copy changed from `old` to `copy` (undefined, or without a Node object: gone).
   * Every cached class re-evaluates it.
   */
  nodeChanged(name: string, old: NodeInfo | undefined, copy: NodeInfo | undefined): void {
    const sameNodeObject = old !== undefined && copy !== undefined && old.node === copy.node;
    for (const entry of this.entries.values()) {
      const wasEligible = entry.eligible.has(name);
      entry.eligible.remove(name);
      if (!copy?.node) continue;
      if (sameNodeObject ? wasEligible : this.passes(entry.sample, copy)) entry.eligible.add(copy);
    }
  }

  /** Drops every class (e.g. when the node set was rebuilt from scratch). */
  clear(): void {
    this.entries.clear();
    this.lastUsed = undefined;
    this.stats.classes = 0;
  }

  private passes(pod: PodInfo, node: NodeInfo): boolean {
    for (const f of this.nodeOnlyFilters) if (f.filter(pod, node).code !== "Success") return false;
    return true;
  }
}
