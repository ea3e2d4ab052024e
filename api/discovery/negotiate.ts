// Picks the discovery format from the Accept header, and answers a discovery path in that format.
//
// kubectl sends, in order of preference:
//   application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,
//   application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,
//   application/json
// Aggregated answers exist only for /api and /apis; every other discovery path is legacy.

import { AGGREGATED_V2BETA1_CONTENT_TYPE, AGGREGATED_V2_CONTENT_TYPE, aggregatedDiscovery } from "./aggregated";
import { apiGroup, apiGroupList, apiResourceList, apiVersions } from "./legacy";

export type DiscoveryFormat = "aggregated-v2" | "aggregated-v2beta1" | "legacy";

interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
  index: number;
}

function parseAccept(accept: string): MediaRange[] {
  const out: MediaRange[] = [];
  accept.split(",").forEach((part, index) => {
    const [rawType, ...rawParams] = part.split(";");
    const type = rawType.trim().toLowerCase();
    if (!type) return;
    const params: Record<string, string> = {};
    for (const p of rawParams) {
      const eq = p.indexOf("=");
      if (eq < 0) continue;
      params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1");
    }
    const q = params.q === undefined ? 1 : Number(params.q);
    out.push({ type, params, q: Number.isFinite(q) ? q : 0, index });
  });
  // Highest quality first; equal quality keeps the client's order.
  return out.filter((m) => m.q > 0).sort((a, b) => b.q - a.q || a.index - b.index);
}

function formatOf(m: MediaRange): DiscoveryFormat | undefined {
  if (m.type === "application/json") {
    if (m.params.as === undefined) return "legacy";
    if (m.params.as === "APIGroupDiscoveryList" && m.params.g === "apidiscovery.k8s.io") {
      if (m.params.v === "v2") return "aggregated-v2";
      if (m.params.v === "v2beta1") return "aggregated-v2beta1";
    }
    return undefined;
  }
  if (m.type === "*/*" || m.type === "application/*") return "legacy";
  return undefined;
}

/**
 * The first format in the client's preference order that we can produce. A header naming none
 * of them (say, protobuf only) gets legacy JSON rather than 406: every client reads that.
 */
export function negotiateDiscovery(accept: string | undefined): DiscoveryFormat {
  for (const m of parseAccept(accept ?? "")) {
    const f = formatOf(m);
    if (f) return f;
  }
  return "legacy";
}

/** The discovery paths, shaped like master/apiserver/request-info's discovery targets. */
export type DiscoveryTarget =
  | { type: "discovery-core" }
  | { type: "discovery-groups" }
  | { type: "discovery-group"; group: string }
  | { type: "discovery-resources"; group: string; version: string };

export interface DiscoveryResponse {
  contentType: string;
  body: object;
}

export interface DiscoveryOptions {
  /** host:port advertised in /api's serverAddressByClientCIDRs. */
  serverAddress?: string;
}

/**
 * The body and Content-Type for one discovery request; undefined when the group or version is not
 * served (answer 404). The answer depends on Accept, so the caller should send `Vary: Accept`.
 */
export function discoveryResponse(target: DiscoveryTarget, accept: string | undefined, opts: DiscoveryOptions = {}): DiscoveryResponse | undefined {
  const json = "application/json";
  switch (target.type) {
    case "discovery-core":
    case "discovery-groups": {
      const scope = target.type === "discovery-core" ? "core" : "named";
      const format = negotiateDiscovery(accept);
      if (format === "aggregated-v2") return { contentType: AGGREGATED_V2_CONTENT_TYPE, body: aggregatedDiscovery(scope, "v2") };
      if (format === "aggregated-v2beta1") return { contentType: AGGREGATED_V2BETA1_CONTENT_TYPE, body: aggregatedDiscovery(scope, "v2beta1") };
      return { contentType: json, body: scope === "core" ? apiVersions(opts.serverAddress) : apiGroupList() };
    }
    case "discovery-group": {
      const body = apiGroup(target.group);
      return body && { contentType: json, body };
    }
    case "discovery-resources": {
      const body = apiResourceList(target.group, target.version);
      return body && { contentType: json, body };
    }
  }
}
