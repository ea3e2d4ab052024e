// Nodes grouped by state: members of one group have the same NodeInfo.signature() (allocatable,
// requests, pod count, taints, cordon, host ports), so every filter and scorer that does not read
// node names or labels gives them the same verdict and score. One member per group stands for
// all of them in a scheduling cycle.

import type { NodeInfo } from "./node-info";

export interface NodeGroup {
  readonly signature: string;
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

export class NodeGrouping {
  private readonly groups = new Map<string, NodeGroup>();
  private readonly groupOf = new Map<string, NodeGroup>();
  private representatives?: NodeInfo[];

  has(name: string): boolean {
    return this.groupOf.has(name);
  }

  add(node: NodeInfo): void {
    const signature = node.signature();
    let group = this.groups.get(signature);
    if (!group) {
      group = { signature, members: [] };
      this.groups.set(signature, group);
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
    if (group.members.length === 0) this.groups.delete(group.signature);
  }

  /** One node per group (its first by name). */
  candidates(): NodeInfo[] {
    this.representatives ??= [...this.groups.values()].map((g) => g.members[0]);
    return this.representatives;
  }

  /** Every node in `node`'s group, sorted by name ([node] if it is in none). */
  membersLike(node: NodeInfo): readonly NodeInfo[] {
    return this.groupOf.get(node.name)?.members ?? [node];
  }

  size(): number {
    return this.groups.size;
  }
}
