// NodeAffinity: spec.nodeSelector (every label must be equal) and the required node affinity
// (matchExpressions In/NotIn/Exists/DoesNotExist/Gt/Lt, matchFields metadata.name) must both hold.
// Unresolvable: no eviction changes a node's labels.

import { Status, type FilterPlugin } from "../types";

export const NODE_AFFINITY = "NodeAffinity";
export const NODE_AFFINITY_MISMATCH = "node(s) didn't match Pod's node affinity/selector";

export const nodeAffinity = {
  name: NODE_AFFINITY,
  filter(pod, node) {
    if (pod.nodeSelector) {
      for (const key in pod.nodeSelector) {
        if (node.labels[key] !== pod.nodeSelector[key]) return Status.unresolvable(NODE_AFFINITY_MISMATCH);
      }
    }
    if (pod.requiredAffinity && !pod.requiredAffinity(node.labels, node.name)) return Status.unresolvable(NODE_AFFINITY_MISMATCH);
    return Status.success();
  },
} satisfies FilterPlugin;
