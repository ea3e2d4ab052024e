// `make bench` → bench/results/network.json: one key per network benchmark, each from its own
// module so the parts can be measured (and changed) independently.
//   podStart  pod start with the pod network vs raw runc + the same CNI ADD (network-pod-start.ts)

import { benchPodStart } from "./network-pod-start";

export async function benchNetwork(): Promise<Record<string, unknown>> {
  return { benchmark: "network", date: new Date().toISOString(), podStart: await benchPodStart() };
}
