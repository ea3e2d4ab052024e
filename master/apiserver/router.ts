// Routes an authenticated and authorized request to its handler: discovery, OpenAPI, health, or
// a verb on a resource. Every failure becomes a Kubernetes Status.

import type { IncomingMessage, ServerResponse } from "node:http";
import { errors } from "../../api/errors";
import type { RequestRecord } from "../metrics/request-metrics";
import type { User } from "../auth/user";
import type { ApiContext } from "../registry/context";
import type { ResourceRequest } from "./resource-request";
import { createObject, deleteCollection, deleteOne, getObject, listObjects, patchObject, updateObject } from "./crud";
import { serveDiscovery } from "./discovery-routes";
import { contentTypeOf, sendError, sendRaw } from "./http-io";
import { serveOpenApi, serveOpenApiV2 } from "./openapi-routes";
import { parseBoolParam } from "./query-params";
import { parseRequestPath } from "./request-info";
import { answerReview, isReviewKind } from "./reviews";
import { handleSubresource } from "./subresources";
import type { TokenAuthenticator } from "./token-review";
import { watchObjects } from "./watch";

export interface RouterExtras {
  /** Answers /readyz and /healthz; returns the failed checks (empty when ready). */
  health(verbose: boolean): Promise<{ ok: boolean; text: string }>;
  /** The server's token authenticator, for TokenReview (the ApiServer adds it). */
  tokens?: TokenAuthenticator;
}

export const VERSION_INFO = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.0-gantry",
  gitCommit: "",
  gitTreeState: "clean",
  buildDate: "2026-01-01T00:00:00Z",
  goVersion: "node" + process.versions.node,
  compiler: "tsc",
  platform: `${process.platform}/${process.arch === "x64" ? "amd64" : process.arch}`,
};

/** Paths outside /api and /apis the server answers, as their metrics label them. */
const SERVED_PATHS = new Set(["/version", "/healthz", "/livez", "/readyz", "/metrics", "/openapi/v2", "/openapi/v3"]);

export async function route(ctx: ApiContext, extras: RouterExtras, req: IncomingMessage, res: ServerResponse, user: User, record?: RequestRecord): Promise<void> {
  const url = new URL(req.url ?? "/", "https://gantry.invalid");
  const method = req.method ?? "GET";
  try {
    const path = url.pathname;
    if (SERVED_PATHS.has(path) || path.startsWith("/openapi/v3/")) record?.nonResource(path);
    if (path === "/version") return json(res, VERSION_INFO);
    if (path === "/healthz" || path === "/livez" || path === "/readyz") {
      const h = await extras.health(url.searchParams.has("verbose"));
      res.writeHead(h.ok ? 200 : 500, { "Content-Type": "text/plain; charset=utf-8" });
      res.end(h.text);
      return;
    }
    if (path === "/metrics") {
      // A nonResourceURL, authorized before routing (server.ts): `get` on path /metrics.
      if (method !== "GET") throw errors.methodNotAllowed(`${method} is not supported on /metrics`);
      const { contentType, text } = await ctx.metrics.expose();
      return sendRaw(res, 200, contentType, text);
    }
    if (path === "/openapi/v3" || path.startsWith("/openapi/v3/")) return serveOpenApi(req, res, url);
    if (path === "/openapi/v2") return serveOpenApiV2(req, res);

    const target = parseRequestPath(path);
    switch (target.type) {
      case "discovery-core":
      case "discovery-groups":
      case "discovery-group":
      case "discovery-resources":
        serveDiscovery(req, res, target);
        record?.nonResource(path); // only once served: unknown groups must not grow the label set
        return;
      case "unknown-resource":
        throw errors.notFound(target.group, target.plural, "");
      case "other":
        throw errors.notFound("", path, "");
      case "resource": {
        record?.resource(target, url.searchParams, contentTypeOf(req));
        const rr: ResourceRequest = { req, res, url, ctx, resource: target.resource, namespace: target.namespace, name: target.name, subresource: target.subresource, proxyPath: target.proxyPath, user, tokens: extras.tokens };
        return await dispatchVerb(rr, method, target.watchPath);
      }
    }
  } catch (err) {
    sendError(res, err);
  }
}

async function dispatchVerb(rr: ResourceRequest, method: string, watchPath: boolean): Promise<void> {
  const r = rr.resource;
  // Namespaced objects are only addressed inside a namespace.
  if (r.namespaced && rr.name !== undefined && rr.namespace === undefined) {
    throw errors.notFound(r.group, r.plural, rr.name);
  }
  if (rr.subresource) return handleSubresource(rr, method);
  if (isReviewKind(r.kind)) return answerReview(rr, method);
  const watch = () => watchPath || parseBoolParam(rr.url.searchParams, "watch");
  if (rr.name === undefined) {
    if (method === "GET") return watch() ? watchObjects(rr) : listObjects(rr);
    if (method === "POST") {
      if (r.namespaced && rr.namespace === undefined) throw errors.methodNotAllowed(`create ${r.plural} inside a namespace: POST /…/namespaces/<ns>/${r.plural}`);
      return createObject(rr);
    }
    if (method === "DELETE") return deleteCollection(rr);
  } else {
    if (method === "GET") return watch() ? watchObjects(rr) : getObject(rr);
    if (method === "PUT") return updateObject(rr);
    if (method === "PATCH") return patchObject(rr);
    if (method === "DELETE") return deleteOne(rr);
  }
  throw errors.methodNotAllowed(`the server does not allow this method on the requested resource (${method} ${r.plural})`);
}

function json(res: ServerResponse, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) });
  res.end(payload);
}
