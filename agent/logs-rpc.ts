// The Logs RPC: resolves the container instance (current or previous) and streams its CRI log
// with the PodLogOptions the request carries.

import type { ServerWritableStream } from "@grpc/grpc-js";
import type { LogChunk, LogsRequest } from "../proto/gen/agent";
import type { ContainerRuntime } from "../runtime/types";
import { containerName, findPod, logInstance } from "./container-lookup";
import { AgentRpcError, Code } from "./grpc-status";
import { streamLogs } from "./logs/log-reader";
import type { PodManager } from "./pod-manager";

export async function serveLogs(call: ServerWritableStream<LogsRequest, LogChunk>, pods: PodManager, runtime: ContainerRuntime, now: () => number): Promise<void> {
  const req = call.request;
  const w = findPod(pods, req.pod);
  const name = containerName(w, req.container, true);
  const inst = logInstance(w, name, req.previous);
  if (req.sinceSeconds !== undefined && req.sinceTime) throw new AgentRpcError(Code.INVALID_ARGUMENT, "at most one of since_seconds and since_time may be set");
  let sinceMs: number | undefined;
  if (req.sinceSeconds !== undefined) sinceMs = now() - req.sinceSeconds * 1000;
  else if (req.sinceTime) {
    sinceMs = Date.parse(req.sinceTime);
    if (Number.isNaN(sinceMs)) throw new AgentRpcError(Code.INVALID_ARGUMENT, `since_time ${JSON.stringify(req.sinceTime)} is not an RFC 3339 time`);
  }
  const state = await runtime.state(inst.id).catch(() => undefined);
  if (!state) throw new AgentRpcError(Code.NOT_FOUND, `the log of container ${name} (${inst.id}) is gone`);
  const abort = new AbortController();
  call.on("cancelled", () => abort.abort());
  call.on("close", () => abort.abort());
  const exited = async () => {
    const s = await runtime.state(inst.id).catch(() => undefined);
    return !s || s.status === "exited";
  };
  await streamLogs(
    state.logPath,
    {
      follow: req.follow && !req.previous,
      tailLines: req.tailLines,
      sinceMs,
      timestamps: req.timestamps,
      limitBytes: req.limitBytes !== undefined && req.limitBytes > 0 ? req.limitBytes : undefined,
    },
    { write: (data) => (call.write({ data }) ? undefined : drained(call, abort.signal)), signal: abort.signal },
    exited,
  );
}

/** Resolves when the call can take more (a client that stops reading holds the reader back), or
 *  when the client is gone. */
function drained(call: ServerWritableStream<LogsRequest, LogChunk>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      call.off("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    call.once("drain", done);
    signal.addEventListener("abort", done, { once: true });
  });
}
