// The loopback-only plugin: containers of a pod reach each other on 127.0.0.1 and nothing else.
// For agents told to leave the host's network alone (`gantry agent --pod-network=loopback`, and
// tests whose agents run in the machine's own namespace). NetnsRegistry brings `lo` up in a
// namespace it makes; setUp does it for any other (one adopted after a crash), not again for a
// fresh one (a process less per pod start).

import type { NetnsRegistry } from "./netns";
import type { PodNetworkPlugin, PodNetworkRequest, PodNetworkStatus } from "./types";

export class LoopbackPlugin implements PodNetworkPlugin {
  readonly name = "loopback";

  constructor(private readonly registry: NetnsRegistry) {}

  async setUp(req: PodNetworkRequest): Promise<PodNetworkStatus> {
    if (!req.fresh) await this.registry.exec(req.netnsPath, ["ip", "link", "set", "lo", "up"]);
    return { ips: [] };
  }

  async tearDown(): Promise<void> {
    // Nothing outside the namespace to undo; the namespace itself goes with PodNetworks.remove.
  }
}
