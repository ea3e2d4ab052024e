// Reaching a node's agent: its gRPC endpoint from the Node object (InternalIP and
// status.daemonEndpoints.kubeletEndpoint.Port, as the kubelet publishes them), and one gRPC
// channel per node and endpoint, shared by everything that talks to that agent.
//
// Transport: mutual TLS (agent-transport.ts); a channel is for one node, because the agent's
// certificate is checked to be that node's.

import { isIP } from "node:net";
import type { KubeObject } from "../../api/object";
import { AgentClient } from "../../proto/gen/agent";
import { insecureTransport, type AgentTransport } from "./agent-transport";

export const DEFAULT_AGENT_PORT = 10250;

export interface AgentEndpoint {
  host: string;
  port: number;
}

export function endpointString(e: AgentEndpoint): string {
  return isIP(e.host) === 6 ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

/** The node's agent address, or undefined when the Node has none yet. */
export function nodeEndpoint(node: KubeObject): AgentEndpoint | undefined {
  const status = (node.status ?? {}) as {
    addresses?: { type?: string; address?: string }[];
    daemonEndpoints?: { kubeletEndpoint?: { Port?: number; port?: number } };
  };
  const addresses = status.addresses ?? [];
  const pick = (type: string) => addresses.find((a) => a.type === type && a.address)?.address;
  const host = pick("InternalIP") ?? pick("ExternalIP") ?? pick("Hostname");
  if (!host) return undefined;
  const ep = status.daemonEndpoints?.kubeletEndpoint;
  const port = ep?.Port ?? ep?.port ?? DEFAULT_AGENT_PORT;
  return { host, port };
}

export class AgentClientPool {
  private readonly clients = new Map<string, AgentClient>();

  /** `transport`: masters pass mutual TLS; the insecure default is for in-process tests. */
  constructor(private readonly transport: AgentTransport = insecureTransport) {}

  /** The channel to node `nodeName`'s agent at `endpoint`. */
  client(endpoint: AgentEndpoint, nodeName: string): AgentClient {
    const key = `${nodeName}@${endpointString(endpoint)}`;
    let c = this.clients.get(key);
    if (!c) {
      c = new AgentClient(endpointString(endpoint), this.transport.credentialsFor(nodeName), {
        // Notice a dead agent behind a half-open connection within seconds, not hours.
        "grpc.keepalive_time_ms": 10_000,
        "grpc.keepalive_timeout_ms": 5_000,
        "grpc.keepalive_permit_without_calls": 1,
        "grpc.initial_reconnect_backoff_ms": 200,
        "grpc.max_reconnect_backoff_ms": 5_000,
        "grpc.max_receive_message_length": 64 * 1024 * 1024,
        "grpc.max_send_message_length": 64 * 1024 * 1024,
      });
      this.clients.set(key, c);
    }
    return c;
  }

  /** Closes the channel to one node's endpoint (its address changed or the node is gone). */
  release(endpoint: AgentEndpoint, nodeName: string): void {
    const key = `${nodeName}@${endpointString(endpoint)}`;
    this.clients.get(key)?.close();
    this.clients.delete(key);
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
