// The pod network seam. A pod's network is two steps:
//   1. a network namespace (netns.ts: a named nsfs bind mount the pod's containers join), and
//   2. a plugin that wires interfaces and addresses into it.
// Two plugins implement it: `CniPlugin` (cni/cni-plugin.ts: the CNI bridge + host-local +
// portmap plugins, DESIGN.md §7), what a node in a cluster uses, and `LoopbackPlugin`
// (loopback.ts: `lo` only), for agents told to leave the host's network alone.

import type { PortMapping } from "./cni/types";

export interface PodNetworkRequest {
  podUid: string;
  namespace: string;
  name: string;
  /** Path of the pod's network namespace file. */
  netnsPath: string;
  /** hostPorts of the pod's containers (only used on setUp). */
  portMappings: PortMapping[];
  /** setUp: the namespace was made just now, with `lo` up (not one adopted after a restart). */
  fresh?: boolean;
}

export interface PodNetworkStatus {
  /** Pod IPs the plugin assigned (status.podIPs); empty for loopback-only pods. */
  ips: string[];
}

export interface PodNetworkPlugin {
  readonly name: string;
  /** Wires the namespace up. Must be idempotent: the agent calls it again after a restart, and
   *  a pod that is already wired keeps its addresses. */
  setUp(req: PodNetworkRequest): Promise<PodNetworkStatus>;
  /** Undoes setUp. Must succeed when nothing is left to undo. */
  tearDown(req: PodNetworkRequest): Promise<void>;
  /** Pod uids the plugin holds state for (so a restarted agent finds leftovers of removed pods). */
  attachedPods?(): Promise<string[]>;
}

/** A pod sandbox's network as the agent sees it. */
export interface PodNetwork {
  podUid: string;
  netnsPath: string;
  ips: string[];
}

/**
 * The node cannot wire pods yet (no pod CIDR from the master): the kubelet's "network is not
 * ready". The pod waits and is retried when the network becomes ready.
 */
export class NetworkNotReadyError extends Error {
  constructor(why: string) {
    super(`network is not ready: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:${why}`);
    this.name = "NetworkNotReadyError";
  }
}
