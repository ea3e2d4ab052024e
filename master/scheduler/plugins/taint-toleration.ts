// TaintToleration: every NoSchedule and NoExecute taint of the node must be tolerated by the pod
// (PreferNoSchedule only matters for scoring, which Gantry does not do for taints). The first
// untolerated taint is named in the reason, as Kubernetes does: `{key: value}`. This is also how
// NotReady nodes are kept free: the node lifecycle controller taints them
// node.kubernetes.io/not-ready:NoSchedule; the scheduler itself never reads node conditions.

import { formatTaint, tolerates } from "../taints";
import { Status, type FilterPlugin } from "../types";

export const TAINT_TOLERATION = "TaintToleration";

export const taintToleration = {
  name: TAINT_TOLERATION,
  filter(pod, node) {
    for (const taint of node.taints) {
      if (taint.effect !== "NoSchedule" && taint.effect !== "NoExecute") continue;
      if (!tolerates(pod.tolerations, taint)) return Status.unresolvable(`node(s) had untolerated taint ${formatTaint(taint)}`);
    }
    return Status.success();
  },
} satisfies FilterPlugin;
