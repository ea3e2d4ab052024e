// NodeName: a pod that names its node (spec.nodeName) fits only there. Pods with a nodeName never
// reach the queue (they are bound already), so this matters for callers that run the filters on
// their own, e.g. a dry run of a pod someone is about to create.

import { Status, type FilterPlugin } from "../types";

export const NODE_NAME = "NodeName";
export const NODE_NAME_MISMATCH = "node(s) didn't match the requested node name";

export const nodeName = {
  name: NODE_NAME,
  filter(pod, node) {
    if (pod.nodeName === "" || pod.nodeName === node.name) return Status.success();
    return Status.unresolvable(NODE_NAME_MISMATCH);
  },
} satisfies FilterPlugin;
