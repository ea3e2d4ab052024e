// NodePorts: every hostPort the pod asks for (per protocol and host IP; 0.0.0.0 means all IPs)
// must be free on the node. Resolvable: evicting the pod holding the port frees it.

import { Status, type FilterPlugin } from "../types";

export const NODE_PORTS = "NodePorts";
export const NODE_PORTS_CONFLICT = "node(s) didn't have free ports for the requested pod ports";

export const nodePorts = {
  name: NODE_PORTS,
  filter(pod, node) {
    if (pod.hostPorts.length === 0 || !node.portsConflict(pod.hostPorts)) return Status.success();
    return Status.unschedulable(NODE_PORTS_CONFLICT);
  },
} satisfies FilterPlugin;
