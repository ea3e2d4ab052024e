// Kubernetes' 403 wording (apiserver's responsewriters.Forbidden and apierrors.NewForbidden), so
// clients and people read the same message they would from kube-apiserver:
//
//   nodes "node-a" is forbidden: User "system:node:node-b" cannot get resource "nodes" in API
//   group "" at the cluster scope: node 'node-b' cannot read 'node-a', only its own Node object
//
//   secrets "db" is forbidden: User "system:node:node-b" cannot get resource "secrets" in API
//   group "" in the namespace "default": no relationship found between node 'node-b' and this object

import { ApiError, qualifiedResource } from "../../api/errors";
import type { RequestAttributes } from "./attributes";

/** The 403 for a request the authorizer refused, with its reason appended when it gave one. */
export function forbiddenByAuthorizer(a: RequestAttributes, reason: string): ApiError {
  const statement = forbiddenStatement(a);
  return forbidden(a.apiGroup, a.resource, a.name, reason ? `${statement}: ${reason}` : statement);
}

/** The 403 of an admission plugin (NodeRestriction): `<resource> "<name>" is forbidden: <why>`. */
export function forbidden(group: string, resource: string, name: string, why: string): ApiError {
  let message: string;
  if (resource === "") message = `forbidden: ${why}`;
  else if (name === "") message = `${qualifiedResource(group, resource)} is forbidden: ${why}`;
  else message = `${qualifiedResource(group, resource)} "${name}" is forbidden: ${why}`;
  return new ApiError(403, "Forbidden", message, { name: name || undefined, group: group || undefined, kind: resource || undefined });
}

function forbiddenStatement(a: RequestAttributes): string {
  const user = a.user.name;
  if (!a.resourceRequest) return `User "${user}" cannot ${a.verb} path "${a.path}"`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : "at the cluster scope";
  return `User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${scope}`;
}
