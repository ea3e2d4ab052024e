// Who is asking: the user the authenticator found, and the identities authorization treats
// specially. Kubernetes' names throughout (k8s.io/apiserver/pkg/authentication/user).

import { NODES_GROUP, NODE_USER_PREFIX } from "../../api/certificates/csr";

export { NODES_GROUP, NODE_USER_PREFIX };

export interface User {
  name: string;
  groups: string[];
  /** Set by authenticators that know one (a service account's uid). */
  uid?: string;
  /** Extra attributes (a service-account token's pod name and uid, its credential id). */
  extra?: Record<string, string[]>;
}

export const MASTERS_GROUP = "system:masters";
export const AUTHENTICATED_GROUP = "system:authenticated";
export const UNAUTHENTICATED_GROUP = "system:unauthenticated";
export const ANONYMOUS_USER = "system:anonymous";

/** What a request without credentials is (kube-apiserver's --anonymous-auth). */
export function anonymousUser(): User {
  return { name: ANONYMOUS_USER, groups: [UNAUTHENTICATED_GROUP] };
}

export function isAnonymous(user: User): boolean {
  return user.name === ANONYMOUS_USER || user.groups.includes(UNAUTHENTICATED_GROUP);
}

/** Every authenticated user is also in system:authenticated, as on Kubernetes. */
export function authenticated(name: string, groups: string[]): User {
  return { name, groups: groups.includes(AUTHENTICATED_GROUP) ? [...groups] : [...groups, AUTHENTICATED_GROUP] };
}

/**
 * The node a user speaks for (Kubernetes' NodeIdentifier): in system:nodes and named
 * system:node:<name>. `""` when in system:nodes without a usable name (such a user is refused);
 * undefined when not a node at all.
 */
export function nodeNameOf(user: User): string | undefined {
  if (!user.groups.includes(NODES_GROUP)) return undefined;
  return user.name.startsWith(NODE_USER_PREFIX) ? user.name.slice(NODE_USER_PREFIX.length) : "";
}
