// How this agent wires pods to the network, chosen by `--pod-network`:
//
//   cni (default)  the node network (netns/node: sysctls, bridge gantry0, routes) programmed from
//                  each NodeConfig, and pods attached through the CNI plugins (netns/cni) with
//                  state under <dataDir>/cni:  results/<pod uid>.json (Gantry's record of each
//                  attachment), networks/ (host-local's address leases).
//   loopback       pods get `lo` only and nothing on the host is touched: for agents that must
//                  leave the host's network alone (tests that run agents in the machine's own
//                  namespace, the runtime benchmark).

import { nodeCniPlugin } from "../netns/cni/cni-plugin";
import { cniStateDirs, gantryNetwork } from "../netns/cni/gantry-network";
import { hostCommands } from "../netns/host-commands";
import { LoopbackPlugin } from "../netns/loopback";
import type { NetnsRegistry } from "../netns/netns";
import { NodeNetwork } from "../netns/node/node-network";
import type { RouteInputs } from "../netns/node/routes";
import { PodNetworks } from "../netns/pod-network";
import { NetworkNotReadyError } from "../netns/types";

export type PodNetworkMode = "cni" | "loopback";

export interface PodNetworking {
  readonly mode: PodNetworkMode;
  readonly networks: PodNetworks;
  /** The node network; undefined in loopback mode. */
  readonly node?: NodeNetwork;
  /** Applies a NodeConfig (level-triggered, queued); it is applied again every RESYNC_MS, which
   *  retries a failed apply and repairs routes someone else removed. */
  configure(cfg: RouteInputs): void;
  stop(): void;
}

const RESYNC_MS = 30_000;

export interface PodNetworkingOptions {
  mode: PodNetworkMode;
  dataDir: string;
  registry: NetnsRegistry;
  /** Directories of the CNI plugin binaries; default /usr/lib/cni. */
  cniPath?: string[];
  /** The namespace whose node network is programmed (and where the plugins run); default this
   *  process's own. */
  nodeNetns?: string;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export const NO_POD_CIDR = "the node has no pod CIDR yet (the master allocates one to each node; see its events if none is left)";

export function podNetworking(o: PodNetworkingOptions): PodNetworking {
  if (o.mode === "loopback") {
    return { mode: "loopback", networks: new PodNetworks(o.registry, new LoopbackPlugin(o.registry)), configure: () => undefined, stop: () => undefined };
  }
  const node = new NodeNetwork({ exec: hostCommands(o.nodeNetns), log: o.log });
  const ipamDataDir = cniStateDirs(o.dataDir).ipam;
  const plugin = nodeCniPlugin({
    ...o,
    network: (req) => {
      const podCidr = node.readyPodCidr();
      if (!podCidr) return new NetworkNotReadyError(NO_POD_CIDR);
      return gantryNetwork({ podCidr, ipamDataDir, bridge: node.bridge, hostPorts: req.portMappings.length > 0 });
    },
    warn: (msg, err) => o.log.warn({ err }, msg),
  });
  let last: RouteInputs | undefined;
  const apply = () => {
    if (last) node.apply(last).catch((err: unknown) => o.log.warn({ err }, "programming the node network failed; retried shortly"));
  };
  const resync = setInterval(apply, RESYNC_MS);
  resync.unref();
  return {
    mode: "cni",
    networks: new PodNetworks(o.registry, plugin),
    node,
    configure(cfg) {
      last = cfg;
      apply();
    },
    stop: () => clearInterval(resync),
  };
}
