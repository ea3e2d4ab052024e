// Turns a request path into what it addresses, the way Kubernetes' RequestInfoFactory does:
// discovery documents, or a resource (with group, version, namespace, name, subresource).

import { findResource, type ResourceType } from "../../api/resources";

export type RequestTarget =
  | { type: "discovery-core" } // /api
  | { type: "discovery-groups" } // /apis
  | { type: "discovery-group"; group: string } // /apis/<group>
  | { type: "discovery-resources"; group: string; version: string } // /api/v1, /apis/<g>/<v>
  | {
      type: "resource";
      resource: ResourceType;
      namespace?: string; // undefined: cluster-scoped, or a list across all namespaces
      name?: string;
      subresource?: string;
      /** For the proxy subresource: the rest of the path, to be served by the node ("metrics"). */
      proxyPath?: string;
      /** The legacy /watch/ path prefix was used. */
      watchPath: boolean;
    }
  | { type: "unknown-resource"; group: string; version: string; plural: string }
  | { type: "other" };

export function parseRequestPath(pathname: string): RequestTarget {
  const parts = pathname.split("/").filter((p) => p !== "").map(decodeURIComponent);
  if (parts[0] === "api") {
    if (parts.length === 1) return { type: "discovery-core" };
    return resourcePath("", parts[1], parts.slice(2));
  }
  if (parts[0] === "apis") {
    if (parts.length === 1) return { type: "discovery-groups" };
    if (parts.length === 2) return { type: "discovery-group", group: parts[1] };
    return resourcePath(parts[1], parts[2], parts.slice(3));
  }
  return { type: "other" };
}

function resourcePath(group: string, version: string, rest: string[]): RequestTarget {
  if (rest.length === 0) return { type: "discovery-resources", group, version };
  let watchPath = false;
  if (rest[0] === "watch") {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  // /namespaces/<ns>/<plural>/... addresses a namespaced resource; /namespaces/<ns>[/<sub>] is the
  // Namespace object itself (its subresources are status and finalize).
  if (rest[0] === "namespaces" && rest.length >= 3 && !(group === "" && (rest[2] === "status" || rest[2] === "finalize") && rest.length === 3)) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  // Only proxy takes a path of its own after the subresource, as in Kubernetes' RequestInfo.
  if (extra.length > 0 && subresource !== "proxy") return { type: "other" };
  const resource = findResource(group, version, plural);
  if (!resource) return { type: "unknown-resource", group, version, plural };
  if (namespace !== undefined && !resource.namespaced) return { type: "unknown-resource", group, version, plural };
  if (subresource === "proxy") return { type: "resource", resource, namespace, name, subresource, proxyPath: extra.join("/"), watchPath };
  return { type: "resource", resource, namespace, name, subresource, watchPath };
}
