// The labels of apiserver_request_total and friends, worked out as kube-apiserver does
// (apiserver/pkg/endpoints/metrics: CleanScope, CanonicalVerb, CleanVerb, cleanDryRun): verbs are
// upper case; a GET of a collection is LIST, any GET with a true `watch` parameter (or under
// the legacy /watch/ path) is WATCH, a PATCH with the apply content type is APPLY, and the
// streaming subresources (log, exec, attach, portforward, proxy) are CONNECT. Creates are
// POST, replaces PUT, and a collection delete is DELETE, as upstream reports them. Pure.

import type { ResourceType } from "../../api/resources";

export interface RequestLabels {
  verb: string;
  dry_run: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  scope: string;
  component: string;
}

export interface ResourceRequestInfo {
  resource: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** The legacy /watch/ path prefix was used. */
  watchPath: boolean;
}

const COMPONENT = "apiserver";
const VALID_VERBS = new Set(["APPLY", "CONNECT", "CREATE", "DELETE", "DELETECOLLECTION", "GET", "LIST", "PATCH", "POST", "PROXY", "PUT", "UPDATE", "WATCH", "WATCHLIST"]);
const CONNECT_SUBRESOURCES = new Set(["log", "exec", "portforward", "attach", "proxy"]);
const APPLY_PATCH = "application/apply-patch+yaml";

/** Labels for a request that named a served resource. `longRunning`: a watch or a stream. */
export function resourceRequestLabels(method: string, info: ResourceRequestInfo, query: URLSearchParams, contentType: string): { labels: RequestLabels; longRunning: boolean } {
  const upper = method.toUpperCase();
  const scope = info.name !== undefined || upper === "POST" ? "resource" : info.namespace !== undefined ? "namespace" : "cluster";
  let verb = (upper === "GET" || upper === "HEAD") && scope !== "resource" ? "LIST" : upper === "HEAD" ? "GET" : upper;
  if (info.watchPath || (upper === "GET" && watchRequested(query))) verb = "WATCH";
  else if (verb === "PATCH" && contentType === APPLY_PATCH) verb = "APPLY";
  if (info.subresource && CONNECT_SUBRESOURCES.has(info.subresource)) verb = "CONNECT";
  if (!VALID_VERBS.has(verb)) verb = "other";
  const r = info.resource;
  const labels = { verb, dry_run: dryRun(query), group: r.group, version: r.version, resource: r.plural, subresource: info.subresource ?? "", scope, component: COMPONENT };
  return { labels, longRunning: verb === "WATCH" || verb === "CONNECT" };
}

/**
 * Labels for anything else: health, version, discovery, OpenAPI, /metrics. Upstream puts the
 * path in `subresource`; so does this, for the paths the server serves (`path` undefined for
 * the rest, so unknown URLs cannot grow the label set).
 */
export function nonResourceLabels(method: string, path: string | undefined): RequestLabels {
  const upper = method.toUpperCase();
  const verb = upper === "HEAD" ? "GET" : VALID_VERBS.has(upper) ? upper : "other";
  return { verb, dry_run: "", group: "", version: "", resource: "", subresource: path ?? "", scope: "", component: COMPONENT };
}

/** Upstream's getVerbIfWatch: the first `watch` value, unless "0" or "false" (any case). */
function watchRequested(query: URLSearchParams): boolean {
  const value = query.get("watch");
  if (value === null) return false;
  const v = value.toLowerCase();
  return v !== "0" && v !== "false";
}

/** Upstream's cleanDryRun: "" without the parameter, the sorted distinct values, or "invalid". */
function dryRun(query: URLSearchParams): string {
  const values = query.getAll("dryRun");
  if (values.length === 0) return "";
  if (values.some((v) => v !== "All")) return "invalid";
  return "All";
}
