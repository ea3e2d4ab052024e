// GET pods/{name}/log: the agent's Logs stream relayed as text/plain. The status line waits for
// the agent's first answer, so a wrong container or a pod that has not started yet still
// becomes a proper API error; with follow the response then stays open until the container
// exits or the client goes away.

import type { LogChunk } from "../../../proto/gen/agent";
import type { ResourceRequest } from "../resource-request";
import { sendError } from "../http-io";
import { agentForPod, fromAgentError } from "./agent-access";
import { parseLogOptions, resolveContainer } from "./options";

/** How long a follow waits for the agent's first bytes before sending the headers anyway. */
const FOLLOW_HEADER_DELAY_MS = 500;

export async function serveLogs(rr: ResourceRequest): Promise<void> {
  const name = rr.name!;
  const opts = parseLogOptions(rr.url.searchParams, name);
  const target = await agentForPod(rr.ctx, rr.namespace, name);
  const container = resolveContainer(target.pod, opts.container);
  const { res, req } = rr;

  const call = target.client.logs({
    pod: { uid: target.pod.metadata.uid ?? "", namespace: rr.namespace ?? "", name },
    container,
    follow: opts.follow,
    tailLines: opts.tailLines,
    sinceSeconds: opts.sinceSeconds,
    sinceTime: opts.sinceTime ?? "",
    timestamps: opts.timestamps,
    previous: opts.previous,
    limitBytes: opts.limitBytes,
  });

  await new Promise<void>((resolve) => {
    let started = false;
    let done = false;
    const begin = () => {
      if (started) return;
      started = true;
      res.writeHead(200, { "Content-Type": "text/plain", "Transfer-Encoding": "chunked", "Cache-Control": "no-cache" });
      res.flushHeaders();
    };
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(headerTimer);
      resolve();
    };
    const headerTimer = opts.follow ? setTimeout(begin, FOLLOW_HEADER_DELAY_MS) : undefined;

    call.on("data", (chunk: LogChunk) => {
      begin();
      if (!res.write(chunk.data)) {
        call.pause();
        res.once("drain", () => call.resume());
      }
    });
    call.on("error", (err) => {
      if (!started) sendError(res, fromAgentError(err, target));
      else res.end();
      finish();
    });
    call.on("status", (s) => {
      if (s.code !== 0) return; // "error" handles it
      begin();
      res.end();
      finish();
    });
    // The client went away (kubectl logs -f interrupted): stop reading on the node.
    res.on("close", () => {
      if (!res.writableFinished) call.cancel();
      finish();
    });
    req.on("error", () => call.cancel());
  });
}
