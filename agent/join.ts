// Running as a cluster member with the node's identity (bootstrap/node-identity.ts): register
// the Node with the client certificate, using the same capacity and system info the agent reports
// on the master's session; then get the serving certificate for the gRPC port and keep both
// certificates renewed while the agent runs.

import type { RunningAgent } from "./agent";
import type { NodeIdentity } from "./bootstrap/node-identity";
import { servingNames } from "./bootstrap/node-identity";
import { registerNode, type NodeAddress, type NodeObject } from "./registration";

export interface MemberOptions {
  labels?: Record<string, string>;
  /** Keep trying while the master is not up yet. */
  retryForMs?: number;
}

export async function registerAgent(agent: RunningAgent, identity: NodeIdentity, o: MemberOptions = {}): Promise<NodeObject> {
  const status = await agent.nodeStatus();
  const info = status.nodeInfo;
  const addresses: NodeAddress[] = [{ type: "InternalIP", address: agent.nodeIP }, { type: "Hostname", address: identity.nodeName }];
  return registerNode({
    api: identity.api,
    nodeName: identity.nodeName,
    addresses,
    port: agent.port,
    capacity: status.capacity,
    allocatable: status.allocatable,
    nodeInfo: !info ? {} : {
      machineID: info.machineId,
      systemUUID: info.systemUuid,
      bootID: info.bootId,
      kernelVersion: info.kernelVersion,
      osImage: info.osImage,
      containerRuntimeVersion: info.containerRuntimeVersion,
      kubeletVersion: info.agentVersion,
      operatingSystem: info.operatingSystem,
      architecture: info.architecture,
    },
    labels: o.labels,
    retryForMs: o.retryForMs,
  });
}

/** Registers, then keeps the node's certificates (client and serving) renewed until `identity.stop()`. */
export async function runAsMember(agent: RunningAgent, identity: NodeIdentity, o: MemberOptions = {}): Promise<NodeObject> {
  const node = await registerAgent(agent, identity, o);
  identity.startRotation(servingNames(agent.nodeIP, identity.nodeName));
  return node;
}
