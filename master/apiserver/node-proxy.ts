// nodes/<name>/proxy/<path>: what a kubelet serves on its port, reached through the API (as
// `kubectl get --raw /api/v1/nodes/<node>/proxy/metrics` and Prometheus' kubelet scrape config
// do). Gantry's agents speak gRPC on that port, so each supported path is an RPC: `metrics` is
// GetMetrics (the agent's Prometheus text). Other paths are a 404 that says so.

import { Metadata } from "@grpc/grpc-js";
import { ApiError, errors } from "../../api/errors";
import type { GetMetricsReply } from "../../proto/gen/agent";
import type { ResourceRequest } from "./resource-request";
import { sendRaw } from "./http-io";
import { agentForNode, fromAgentError } from "./streaming/agent-access";

/** An agent slower than this to produce its metrics is reported as timed out (504). */
const METRICS_DEADLINE_MS = 10_000;

export async function serveNodeProxy(rr: ResourceRequest, method: string): Promise<void> {
  if (method !== "GET") throw errors.methodNotAllowed(`${method} is not supported on nodes/proxy; the agent serves GET /metrics`);
  const path = rr.proxyPath ?? "";
  if (path !== "metrics") {
    throw new ApiError(404, "NotFound", `the agent of node "${rr.name}" serves only /metrics through nodes/proxy, not /${path}`, { name: rr.name, kind: "nodes" });
  }
  const agent = await agentForNode(rr.ctx, rr.name!);
  const reply = await new Promise<GetMetricsReply>((resolve, reject) =>
    agent.client.getMetrics({}, new Metadata(), { deadline: Date.now() + METRICS_DEADLINE_MS }, (err, res) => (err ? reject(fromAgentError(err, agent)) : resolve(res))),
  );
  sendRaw(rr.res, 200, reply.contentType || "text/plain; version=0.0.4; charset=utf-8", reply.text);
}
