// A request as authorization sees it (Kubernetes' RequestInfoFactory): the verb from the method
// and query (get/list/watch, create, update, patch, delete/deletecollection), the resource,
// subresource, namespace and name from the path; a list or watch narrowed by a
// `metadata.name=` field selector names that one object. Paths outside the resource API are
// non-resource requests with the lower-case method as verb.

import type { IncomingMessage } from "node:http";
import { parseFieldSelector } from "../../api/selectors/field-selector";
import type { FieldRequirement, RequestAttributes } from "../auth/attributes";
import type { User } from "../auth/user";
import { parseRequestPath } from "./request-info";

export function requestAttributes(req: IncomingMessage, url: URL, user: User, verbOverride?: string): RequestAttributes {
  const method = (req.method ?? "GET").toUpperCase();
  const target = parseRequestPath(url.pathname);
  const base = { user, path: url.pathname, apiGroup: "", apiVersion: "", resource: "", subresource: "", namespace: "", name: "", fieldSelector: [] as FieldRequirement[] };
  if (target.type !== "resource") {
    if (target.type === "unknown-resource") {
      // Still a resource request: authorization first, then the router's 404.
      return { ...base, resourceRequest: true, verb: verbOverride ?? resourceVerb(method, false, true, url), apiGroup: target.group, apiVersion: target.version, resource: target.plural };
    }
    return { ...base, resourceRequest: false, verb: verbOverride ?? method.toLowerCase() };
  }
  const r = target.resource;
  const fieldSelector = equalityRequirements(r.kind, url.searchParams.get("fieldSelector"));
  let name = target.name ?? "";
  const verb = verbOverride ?? resourceVerb(method, target.watchPath, name === "", url, target.subresource);
  if (name === "" && (verb === "list" || verb === "watch")) name = fieldSelector.find((f) => f.field === "metadata.name")?.value ?? "";
  return {
    ...base,
    resourceRequest: true,
    verb,
    apiGroup: r.group,
    apiVersion: r.version,
    resource: r.plural,
    subresource: target.subresource ?? "",
    namespace: target.namespace ?? "",
    name,
    fieldSelector,
  };
}

function resourceVerb(method: string, watchPath: boolean, collection: boolean, url: URL, subresource?: string): string {
  const watch = watchPath || url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1";
  // exec, attach and portforward are `create` whatever the method (kubectl opens them with GET
  // for WebSockets), as Kubernetes authorizes the upgrade.
  if (subresource === "exec" || subresource === "attach" || subresource === "portforward") return "create";
  switch (method) {
    case "GET":
    case "HEAD":
      if (watch) return "watch";
      return collection ? "list" : "get";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return collection ? "deletecollection" : "delete";
    default:
      return method.toLowerCase();
  }
}

function equalityRequirements(kind: string, selector: string | null): FieldRequirement[] {
  if (!selector) return [];
  try {
    return parseFieldSelector(kind, selector).filter((r) => r.operator === "=").map((r) => ({ field: r.field, value: r.value }));
  } catch {
    return []; // the router answers the 400 for a malformed selector
  }
}
