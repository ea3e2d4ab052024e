// The authorization decision as the rest of the master consumes it: an Authorizer (the chain of
// authorize.ts over a node graph and the RBAC policy) and the one function that turns a
// refusal into the Status a client gets. The apiserver asks it for every request, the registry
// (master/registry) for every write, whoever makes it: kubectl, a node, a controller.

import { errors, type ApiError } from "../../api/errors";
import type { RbacPolicy } from "../../api/rbac/policy";
import type { Decision, RequestAttributes } from "./attributes";
import { authorize } from "./authorize";
import { forbiddenByAuthorizer } from "./forbidden";
import type { NodeGraph } from "./node-graph";
import { isAnonymous } from "./user";

export interface Authorizer {
  authorize(attrs: RequestAttributes): Decision;
}

/**
 * The authorization chain (authorize.ts) with the node graph the Node authorizer reads and the
 * RBAC policy `policy()` returns at the time of the request (undefined until the API server
 * has started its RBAC cache; see authorize.ts rule 5).
 */
export function chainAuthorizer(graph: NodeGraph, policy: () => RbacPolicy | undefined = () => undefined): Authorizer {
  return { authorize: (attrs) => authorize(attrs, graph, policy()) };
}

/**
 * Throws unless `authorizer` allows `attrs`: 401 for the anonymous user (so clients ask for
 * credentials), 403 in kube-apiserver's wording for everyone else.
 */
export function checkAuthorized(authorizer: Authorizer, attrs: RequestAttributes): void {
  const refused = refusal(authorizer, attrs);
  if (refused) throw refused;
}

/** The Status for a refused request, or undefined when it is allowed. */
export function refusal(authorizer: Authorizer, attrs: RequestAttributes): ApiError | undefined {
  const decision = authorizer.authorize(attrs);
  if (decision.allowed) return undefined;
  if (isAnonymous(attrs.user)) return errors.unauthorized();
  return forbiddenByAuthorizer(attrs, decision.reason);
}
