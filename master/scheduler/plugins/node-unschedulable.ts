// NodeUnschedulable: a cordoned node (spec.unschedulable, `kubectl cordon`) takes only pods that
// tolerate the node.kubernetes.io/unschedulable:NoSchedule taint (DaemonSet pods do).

import { tolerates, type Taint } from "../taints";
import { Status, type FilterPlugin } from "../types";

export const NODE_UNSCHEDULABLE = "NodeUnschedulable";
export const NODE_UNSCHEDULABLE_REASON = "node(s) were unschedulable";
const UNSCHEDULABLE_TAINT: Taint = { key: "node.kubernetes.io/unschedulable", value: "", effect: "NoSchedule" };

export const nodeUnschedulable = {
  name: NODE_UNSCHEDULABLE,
  filter(pod, node) {
    if (!node.unschedulable || tolerates(pod.tolerations, UNSCHEDULABLE_TAINT)) return Status.success();
    return Status.unresolvable(NODE_UNSCHEDULABLE_REASON);
  },
} satisfies FilterPlugin;
