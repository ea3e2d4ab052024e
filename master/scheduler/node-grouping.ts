// Nodes grouped by state: members of one group have the same NodeInfo.signature() (allocatable,
// requests, pod count, taints, cordon, host ports), so every filter and scorer that does not read
// node names or labels gives them the same verdict and score. One member per group stands for
// all of them in a scheduling cycle.
//
// Groups are also kept in order of free cpu (allocatable minus requested, the same for every
// member), most first, so a cycle can skip every group that cannot hold the pod's cpu request:
// NodeResourcesFit would reject them ("Insufficient cpu"), so skipping them changes no choice.
// On a bin-packed cluster most used nodes are nearly full, and this is what keeps a cycle from
// visiting all of them for every pod.

import type { NodeInfo } from "./node-info";

export interface NodeGroup {
  readonly signature: string;
  /** allocatable - requested milli-cpu, equal for every member. */
  readonly freeMilliCpu: number;
  /** Sorted by name. */
  readonly members: NodeInfo[];
}

/** Index of `name` in a name-sorted list, or where it would go. */
export function searchByName(list: readonly NodeInfo[], name: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].name < name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** In `groups` (most free cpu first), how many have at least `milliCpu` free. */
function countWithFreeCpu(groups: readonly NodeGroup[], milliCpu: number): number {
  let lo = 0;
  let hi = groups.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (groups[mid].freeMilliCpu >= milliCpu) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class NodeGrouping {
  private readonly groups = new Map<string, NodeGroup>();
  private readonly groupOf = new Map<string, NodeGroup>();
  /** Every group, most free cpu first (ties in signature order, so the order is deterministic). */
  private readonly byFreeCpu: NodeGroup[] = [];
  private representatives?: NodeInfo[];

  has(name: string): boolean {
    return this.groupOf.has(name);
  }

  add(node: NodeInfo): void {
    const signature = node.signature();
    let group = this.groups.get(signature);
    if (!group) {
      group = { signature, freeMilliCpu: node.allocatable.milliCpu - node.requested.milliCpu, members: [] };
      this.groups.set(signature, group);
      this.byFreeCpu.splice(this.positionOf(group), 0, group);
      this.representatives = undefined;
    }
    const at = searchByName(group.members, node.name);
    group.members.splice(at, 0, node);
    // The first member is the representative: it changes when a node sorts before it.
    if (at === 0) this.representatives = undefined;
    this.groupOf.set(node.name, group);
  }

  remove(name: string): void {
    const group = this.groupOf.get(name);
    if (!group) return;
    this.groupOf.delete(name);
    const i = searchByName(group.members, name);
    if (group.members[i]?.name !== name) return;
    group.members.splice(i, 1);
    if (i === 0) this.representatives = undefined;
    if (group.members.length === 0) {
      this.groups.delete(group.signature);
      this.byFreeCpu.splice(this.positionOf(group), 1);
    }
  }

  /** One node per group (its first by name). */
  candidates(): NodeInfo[] {
    this.representatives ??= this.byFreeCpu.map((g) => g.members[0]);
    return this.representatives;
  }

  /** One node per group that has at least `milliCpu` free (all groups for 0). */
  candidatesWithFreeCpu(milliCpu: number): NodeInfo[] {
    const all = this.candidates();
    if (milliCpu <= 0) return all;
    const n = countWithFreeCpu(this.byFreeCpu, milliCpu);
    return n === all.length ? all : all.slice(0, n);
  }

  /** Every node in `node`'s group, sorted by name ([node] if it is in none). */
  membersLike(node: NodeInfo): readonly NodeInfo[] {
    return this.groupOf.get(node.name)?.members ?? [node];
  }

  size(): number {
    return this.groups.size;
  }

  /** Where `group` is (or would go) in byFreeCpu. */
  private positionOf(group: NodeGroup): number {
    let lo = 0;
    let hi = this.byFreeCpu.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const g = this.byFreeCpu[mid];
      const before = g.freeMilliCpu > group.freeMilliCpu || (g.freeMilliCpu === group.freeMilliCpu && g.signature < group.signature);
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
