// Joining a cluster: the agent registers its Node through the Kubernetes API with the token the
// master issued, using the same capacity and system info it reports on the master's session.

import type { RunningAgent } from "./agent";
import { registerNode, type NodeAddress, type NodeObject } from "./registration";

export interface JoinOptions {
  masterUrl: string;
  token: string;
  caPem?: string;
  insecureSkipTlsVerify?: boolean;
  nodeName: string;
  labels?: Record<string, string>;
  /** Keep trying while the master is not up yet. */
  retryForMs?: number;
}

export async function joinCluster(agent: RunningAgent, o: JoinOptions): Promise<NodeObject> {
  const status = await agent.nodeStatus();
  const info = status.nodeInfo;
  const addresses: NodeAddress[] = [{ type: "InternalIP", address: agent.nodeIP }, { type: "Hostname", address: o.nodeName }];
  return registerNode({
    masterUrl: o.masterUrl,
    token: o.token,
    caPem: o.caPem,
    insecureSkipTlsVerify: o.insecureSkipTlsVerify,
    nodeName: o.nodeName,
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
