// The plugin registry: which filters run, in which order, and which scorer a strategy selects.
// The order is Kubernetes' default profile (cheap, unresolvable checks first), and a node is
// rejected by the first filter that fails, so each node counts once per failing filter's reasons.

import type { FilterPlugin, ScorePlugin, ScoringStrategy } from "../types";
import { leastAllocated } from "./least-allocated";
import { mostAllocated } from "./most-allocated";
import { nodeAffinity } from "./node-affinity";
import { nodeName } from "./node-name";
import { nodePorts } from "./node-ports";
import { nodeResourcesFit } from "./node-resources-fit";
import { nodeUnschedulable } from "./node-unschedulable";
import { taintToleration } from "./taint-toleration";

export function defaultFilters(): FilterPlugin[] {
  return [nodeUnschedulable, nodeName, taintToleration, nodeAffinity, nodePorts, nodeResourcesFit];
}

/**
 * The filters whose verdict depends only on the Node object (labels, name, taints, cordon), never
 * on the pods placed there: the equivalence cache keeps their verdicts per class of pods.
 */
export function nodeOnlyFilters(): FilterPlugin[] {
  return [nodeUnschedulable, nodeName, taintToleration, nodeAffinity];
}

/**
 * The filters that depend on the pods already on a node (host ports, resources): what a cycle
 * still runs on nodes the equivalence cache says pass the node-only ones.
 */
export function podDependentFilters(): FilterPlugin[] {
  const nodeOnly = new Set(nodeOnlyFilters());
  return defaultFilters().filter((f) => !nodeOnly.has(f));
}

export function scorersFor(strategy: ScoringStrategy): ScorePlugin[] {
  switch (strategy) {
    case "most-allocated":
      return [mostAllocated];
    case "least-allocated":
      return [leastAllocated];
  }
}
