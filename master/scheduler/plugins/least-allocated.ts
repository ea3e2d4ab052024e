// NodeResourcesFit, strategy LeastAllocated (Kubernetes' default, `--scoring least-allocated`
// here): spreading. Empty nodes score high, so load is evened out across the cluster.

import type { ScorePlugin } from "../types";
import { allocationScore, leastRequested } from "./allocation-score";

export const LEAST_ALLOCATED = "NodeResourcesLeastAllocated";

export const leastAllocated = {
  name: LEAST_ALLOCATED,
  score: (pod, node) => allocationScore(leastRequested, pod, node),
} satisfies ScorePlugin;
