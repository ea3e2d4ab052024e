// How the apiserver (any master, leader or not) reaches the agent that runs a pod: the node's
// address from its Node object, one gRPC channel per agent, shared by every log, exec and
// attach request of this master. Also the translation of the agent's gRPC failures into API
// errors a kubectl user can act on.

import { status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import { ApiError, errors } from "../../../api/errors";
import type { KubeObject } from "../../../api/object";
import { findResource } from "../../../api/resources";
import type { AgentClient } from "../../../proto/gen/agent";
import { AgentClientPool, endpointString, nodeEndpoint, type AgentEndpoint } from "../../dispatch/agent-clients";
import type { AgentTransport } from "../../dispatch/agent-transport";
import type { ApiContext } from "../../registry/context";

const pools = new WeakMap<ApiContext, AgentClientPool>();

/** Makes this apiserver dial agents with `transport` (a master: mutual TLS). Call before serving. */
export function useAgentTransport(ctx: ApiContext, transport: AgentTransport): void {
  pools.get(ctx)?.close();
  pools.set(ctx, new AgentClientPool(transport));
}

/** The agent channels of this apiserver; created on first use (plain, for in-process tests, unless useAgentTransport was called). */
export function agentPoolFor(ctx: ApiContext): AgentClientPool {
  let pool = pools.get(ctx);
  if (!pool) pools.set(ctx, (pool = new AgentClientPool()));
  return pool;
}

export function closeAgentPool(ctx: ApiContext): void {
  pools.get(ctx)?.close();
  pools.delete(ctx);
}

export interface NodeAgent {
  nodeName: string;
  endpoint: AgentEndpoint;
  client: AgentClient;
}

export interface PodAgent extends NodeAgent {
  pod: KubeObject;
}

/** A node's agent; a 404 for an unknown node, a 503 for one without an address. */
export async function agentForNode(ctx: ApiContext, nodeName: string): Promise<NodeAgent> {
  const node = await ctx.storeFor(findResource("", "v1", "nodes")!).get(undefined, nodeName);
  const endpoint = nodeEndpoint(node);
  if (!endpoint) throw errors.unavailable(`node "${nodeName}" has no address in status.addresses; its agent cannot be reached`);
  return { nodeName, endpoint, client: agentPoolFor(ctx).client(endpoint, nodeName) };
}

/** The pod and its node's agent; API errors for a missing pod, an unbound pod, an unknown node. */
export async function agentForPod(ctx: ApiContext, namespace: string | undefined, name: string): Promise<PodAgent> {
  const pod = await ctx.storeFor(findResource("", "v1", "pods")!).get(namespace, name);
  const nodeName = ((pod.spec ?? {}) as { nodeName?: string }).nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  try {
    return { pod, ...(await agentForNode(ctx, nodeName)) };
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) throw errors.unavailable(`pod ${name} is bound to node "${nodeName}", which is not registered`);
    throw err;
  }
}

/** The agent's gRPC failure as the API error a user sees. */
export function fromAgentError(err: unknown, target: NodeAgent): ApiError {
  const e = err as Partial<ServiceError>;
  if (typeof e.code !== "number") return ApiError.from(err);
  const detail = e.details || e.message || "unknown error";
  switch (e.code) {
    case GrpcStatus.NOT_FOUND:
    case GrpcStatus.FAILED_PRECONDITION:
    case GrpcStatus.INVALID_ARGUMENT:
    case GrpcStatus.OUT_OF_RANGE:
      return errors.badRequest(detail);
    case GrpcStatus.UNAVAILABLE:
      return errors.unavailable(`the agent of node "${target.nodeName}" at ${endpointString(target.endpoint)} is unreachable: ${detail}`);
    case GrpcStatus.DEADLINE_EXCEEDED:
      return new ApiError(504, "Timeout", `the agent of node "${target.nodeName}" did not answer in time: ${detail}`);
    default:
      return errors.internal(`the agent of node "${target.nodeName}" failed: ${detail}`);
  }
}
