// The pod network seam. A pod's network is two steps:
//   1. a network namespace (netns.ts: a named nsfs bind mount the pod's containers join), and
//   2. a plugin that wires interfaces and addresses into it.
// This issue ships only the loopback plugin (`lo` up, no addresses beyond 127.0.0.1/::1);
// the CNI plugin (bridge + host-local + portmap, DESIGN.md §7) will implement the same
// PodNetworkPlugin interface and be chosen in pod-network.ts without the agent changing.

export interface PodNetworkRequest {
  podUid: string;
  namespace: string;
  name: string;
  /** Path of the pod's network namespace file. */
  netnsPath: string;
}

export interface PodNetworkStatus {
  /** Pod IPs the plugin assigned (status.podIPs); empty for loopback-only pods. */
  ips: string[];
}

export interface PodNetworkPlugin {
  readonly name: string;
  /** Wires the namespace up. Must be idempotent: the agent calls it again after a restart. */
  setUp(req: PodNetworkRequest): Promise<PodNetworkStatus>;
  /** Undoes setUp. Must succeed when nothing is left to undo. */
  tearDown(req: PodNetworkRequest): Promise<void>;
}

/** A pod sandbox's network as the agent sees it. */
export interface PodNetwork {
  podUid: string;
  netnsPath: string;
  ips: string[];
}
