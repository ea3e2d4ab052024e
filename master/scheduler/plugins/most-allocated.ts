// NodeResourcesFit, strategy MostAllocated (Gantry's default): bin-packing. Nodes that are already
// full score high, so pods fill one node before the next one is used and whole nodes stay free.

import type { ScorePlugin } from "../types";
import { allocationScore, mostRequested } from "./allocation-score";

export const MOST_ALLOCATED = "NodeResourcesMostAllocated";

export const mostAllocated = {
  name: MOST_ALLOCATED,
  score: (pod, node) => allocationScore(mostRequested, pod, node),
} satisfies ScorePlugin;
