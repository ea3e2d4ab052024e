// /api, /apis, /apis/<group>, /api/v1 and /apis/<group>/<version>: aggregated discovery when
// the client asks for it (exact content type), the legacy documents otherwise. The bodies are
// serialized once per (target, negotiated form) since they never change while the master runs.

import type { IncomingMessage, ServerResponse } from "node:http";
import { discoveryResponse, negotiateDiscovery, type DiscoveryTarget } from "../../api/discovery/negotiate";
import { errors } from "../../api/errors";
import { sendRaw } from "./http-io";

const cache = new Map<string, { contentType: string; body: Buffer } | null>();

export function serveDiscovery(req: IncomingMessage, res: ServerResponse, target: DiscoveryTarget): void {
  const accept = req.headers.accept;
  const key = `${JSON.stringify(target)}|${negotiateDiscovery(accept)}`;
  let cached = cache.get(key);
  if (cached === undefined) {
    const answer = discoveryResponse(target, accept);
    cached = answer ? { contentType: answer.contentType, body: Buffer.from(JSON.stringify(answer.body)) } : null;
    cache.set(key, cached);
  }
  if (cached === null) throw errors.notFound("", "groups", "group" in target ? target.group : "");
  sendRaw(res, 200, cached.contentType, cached.body, { Vary: "Accept" });
}
