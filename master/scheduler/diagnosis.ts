// Why a pod fits nowhere, in Kubernetes' words (v1.32 FitError + DefaultPreemption PostFilter):
//
//   0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/3
//   nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims
//   found for incoming pod.
//
// Each entry is "<count> <reason>"; entries are sorted as strings (so by count first), exactly
// as kube-scheduler's sortReasonsHistogram does. The preemption part says, per node, what
// evicting lower-priority pods could achieve. Gantry does not evict; where eviction *would* make
// room it says so instead of pretending preemption is pointless.

import type { NodeInfo } from "./node-info";
import type { Rejection } from "./pipeline";
import type { PodInfo } from "./pod-info";
import type { FilterPlugin } from "./types";

export const NO_NODES_AVAILABLE = "no nodes available to schedule pods";
export const PREEMPTION_NOT_HELPFUL = "Preemption is not helpful for scheduling";
export const NO_PREEMPTION_VICTIMS = "No preemption victims found for incoming pod";
export const PREEMPTION_NOT_SUPPORTED = "Preemption of lower-priority pods is not supported by gantry";
export const NOT_ELIGIBLE_NEVER = "not eligible due to preemptionPolicy=Never.";

/** reason → number of nodes that gave it (a node with two reasons counts in both). */
export function reasonHistogram(reasonsPerNode: Iterable<readonly string[]>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const reasons of reasonsPerNode) for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

/** `0/N nodes are available: <sorted "count reason", ...>.` */
export function fitErrorMessage(numAllNodes: number, histogram: ReadonlyMap<string, number>): string {
  const entries = [...histogram].map(([reason, count]) => `${count} ${reason}`).sort();
  let msg = `0/${numAllNodes} nodes are available:`;
  if (entries.length > 0) msg += ` ${entries.join(", ")}.`;
  return msg;
}

/**
 * The PostFilter (preemption) part. Per rejected node: unresolvable → not helpful; no
 * lower-priority pods → no victims; otherwise the filters are run again as if every
 * lower-priority pod were gone, and either their reasons are reported (eviction would not be
 * enough) or that eviction would help — which Gantry does not do.
 */
export function preemptionMessage(pod: PodInfo, rejected: readonly Rejection[], numAllNodes: number, filters: readonly FilterPlugin[]): string {
  if (pod.preemptionPolicy === "Never") return `preemption: ${NOT_ELIGIBLE_NEVER}`;
  const perNode: string[][] = [];
  for (const { node, status } of rejected) {
    if (!status.resolvable) {
      perNode.push([PREEMPTION_NOT_HELPFUL]);
      continue;
    }
    const victims = [...node.pods.values()].filter((p) => p.priority < pod.priority);
    if (victims.length === 0) {
      perNode.push([NO_PREEMPTION_VICTIMS]);
      continue;
    }
    perNode.push(reasonsWithout(pod, node, victims.map((v) => v.key), filters));
  }
  return `preemption: ${fitErrorMessage(numAllNodes, reasonHistogram(perNode))}`;
}

function reasonsWithout(pod: PodInfo, node: NodeInfo, evicted: string[], filters: readonly FilterPlugin[]): string[] {
  const trial = node.clone();
  for (const key of evicted) trial.removePod(key);
  for (const plugin of filters) {
    const status = plugin.filter(pod, trial);
    if (status.code === "Unschedulable") return [...status.reasons];
    if (status.code === "Error") return [status.message];
  }
  return [PREEMPTION_NOT_SUPPORTED];
}

/** The whole PodScheduled=False message and FailedScheduling event text. */
export function unschedulableMessage(pod: PodInfo, rejected: readonly Rejection[], numAllNodes: number, filters: readonly FilterPlugin[]): string {
  if (numAllNodes === 0) return NO_NODES_AVAILABLE;
  const fit = fitErrorMessage(numAllNodes, reasonHistogram(rejected.map((r) => r.status.reasons)));
  return `${fit} ${preemptionMessage(pod, rejected, numAllNodes, filters)}`;
}
