// The agent's gRPC service (proto/agent.proto): thin handlers that translate between the wire
// and the agent's parts. Expected failures leave as gRPC status codes (grpc-status.ts).

import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from "@grpc/grpc-js";
import {
  AgentService,
  GetMetricsReply,
  ListPodStatusReply,
  SetDesiredPodsReply,
  type AgentServer,
  type DesiredPods,
  type GetMetricsRequest,
  type GetNodeStatusRequest,
  type ListPodStatusRequest,
  type NodeStatus,
} from "../proto/gen/agent";
import type { ContainerRuntime } from "../runtime/types";
import { handleExec } from "./exec-bridge";
import { AgentRpcError, Code, endWith, rpcError, toRpcError } from "./grpc-status";
import type { ImageService } from "./images";
import type { AgentMetrics } from "./metrics/agent-metrics";
import { serveLogs } from "./logs-rpc";
import type { PodManager } from "./pod-manager";
import { handlePortForward } from "./port-forward";
import { servePull } from "./pull-rpc";
import type { SessionHub } from "./session";
import type { StatusReporter } from "./status/reporter";
import { desiredFromProto } from "./wire/desired";
import { podStatusToProto } from "./wire/status";

export interface ServiceDeps {
  pods: PodManager;
  reporter: StatusReporter;
  sessions: SessionHub;
  runtime: ContainerRuntime;
  images: ImageService;
  nodeStatus(): Promise<NodeStatus>;
  metrics: AgentMetrics;
  now(): number;
  stopping(): boolean;
}

function unary<Req, Res>(fn: (req: Req) => Promise<Res> | Res, deps: ServiceDeps) {
  return (call: ServerUnaryCall<Req, Res>, done: sendUnaryData<Res>) => {
    if (deps.stopping()) return done(rpcError(Code.UNAVAILABLE, "the agent is shutting down"));
    Promise.resolve()
      .then(() => fn(call.request))
      .then((res) => done(null, res), (err: unknown) => done(toRpcError(err)));
  };
}

export function agentService(d: ServiceDeps): AgentServer {
  return {
    session: (call) => (d.stopping() ? endWith(call, rpcError(Code.UNAVAILABLE, "the agent is shutting down")) : d.sessions.handle(call)),
    setDesiredPods: unary((req: DesiredPods) => {
      if (d.sessions.isOpen()) throw new AgentRpcError(Code.FAILED_PRECONDITION, "a master session is open: the leader owns this node's desired state");
      const r = d.pods.apply(desiredFromProto(req));
      return SetDesiredPodsReply.fromPartial({ generation: req.generation, rejected: r.rejected });
    }, d),
    listPodStatus: unary((req: ListPodStatusRequest) => ListPodStatusReply.fromPartial({ pods: d.reporter.snapshot(req.uids).map(podStatusToProto) }), d),
    getNodeStatus: unary((_req: GetNodeStatusRequest) => d.nodeStatus(), d),
    getMetrics: unary(async (_req: GetMetricsRequest) => GetMetricsReply.fromPartial(await d.metrics.expose()), d),
    logs: (call) => {
      serveLogs(call, d.pods, d.runtime, d.now).then(
        () => call.end(),
        (err) => endWith(call, err),
      );
    },
    exec: (call) => handleExec(call, d.pods, d.runtime, "exec"),
    attach: (call) => handleExec(call, d.pods, d.runtime, "attach"),
    portForward: (call) => handlePortForward(call, d.pods),
    pullImage: (call) => {
      servePull(call, d.images).then(
        () => call.end(),
        (err) => endWith(call, err),
      );
    },
  };
}

/**
 * Starts the gRPC server; resolves with the bound port (useful with port 0). `credentials`:
 * mutual TLS in a cluster member (server-tls.ts); plain HTTP/2 otherwise (tests on loopback).
 */
export async function listen(service: AgentServer, address: string, port: number, credentials: ServerCredentials = ServerCredentials.createInsecure()): Promise<{ server: Server; port: number }> {
  const server = new Server({
    "grpc.keepalive_time_ms": 30_000,
    "grpc.keepalive_timeout_ms": 10_000,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.http2.min_ping_interval_without_data_ms": 10_000,
  });
  server.addService(AgentService, service);
  const host = address.includes(":") && !address.startsWith("[") ? `[${address}]` : address;
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { server, port: bound };
}
