// Impersonation (k8s.io/apiserver's endpoints/filters/impersonation.go, in Gantry's words): a
// request may act as another user with the headers
//
//   Impersonate-User: alice                (required when any other Impersonate- header is sent)
//   Impersonate-Group: devs                (repeatable)
//   Impersonate-Uid: 1234
//   Impersonate-Extra-<key>: value         (repeatable; <key> percent-decoded, lower-cased)
//
// The requester must be allowed the verb `impersonate` on each thing it asks for:
//   users/<name> ("")                 or serviceaccounts <name> in <namespace> ("") when the user
//                                     is system:serviceaccount:<namespace>:<name>
//   groups/<group> ("")
//   userextras/<key> named <value> (authentication.k8s.io), each value
//   uids/<uid> (authentication.k8s.io)
// and the first refusal is upstream's 403:
//   users "alice" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope
//
// The user acted as gets system:authenticated (system:unauthenticated for system:anonymous)
// unless it names one of the two, and a service account without Impersonate-Group gets its
// groups. Everything after authentication — the request's authorization, the registry's writes,
// whoami — sees that user. Pure: headers and an authorizer in, a user out.

import { serviceAccountGroups, parseServiceAccountUsername } from "../../api/serviceaccounts/names";
import { errors } from "../../api/errors";
import type { Authorizer } from "./access";
import type { RequestAttributes } from "./attributes";
import { forbiddenByAuthorizer } from "./forbidden";
import { ANONYMOUS_USER, AUTHENTICATED_GROUP, UNAUTHENTICATED_GROUP, type User } from "./user";

const USER_HEADER = "impersonate-user";
const GROUP_HEADER = "impersonate-group";
const UID_HEADER = "impersonate-uid";
const EXTRA_PREFIX = "impersonate-extra-";
const AUTHENTICATION_GROUP = "authentication.k8s.io";

export interface ImpersonationRequest {
  user: string;
  groups: string[];
  uid?: string;
  extra: Record<string, string[]>;
}

/** Headers by lower-case name, each with every value sent (Node's `req.headersDistinct`). */
export type DistinctHeaders = Record<string, string[] | undefined>;

/** Whether any Impersonate- header was sent: a cheap look at the parsed headers, so requests without them pay nothing more. */
export function asksImpersonation(headers: Record<string, unknown>): boolean {
  for (const name in headers) if (name.startsWith("impersonate-")) return true;
  return false;
}

/**
 * What the headers ask to impersonate; undefined when they ask nothing. A group, uid or extra
 * without a user is a 400 (upstream answers it with a 500, which blames the server).
 */
export function readImpersonation(headers: DistinctHeaders): ImpersonationRequest | undefined {
  const user = headers[USER_HEADER]?.[0] ?? "";
  const groups = headers[GROUP_HEADER] ?? [];
  const uid = headers[UID_HEADER]?.[0];
  const extra: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(headers)) {
    if (!name.startsWith(EXTRA_PREFIX) || !values) continue;
    const key = unescapeExtraKey(name.slice(EXTRA_PREFIX.length));
    extra[key] = [...(extra[key] ?? []), ...values];
  }
  const others = groups.length > 0 || uid !== undefined || Object.keys(extra).length > 0;
  if (user === "") {
    if (!others) return undefined;
    throw errors.badRequest("requested impersonation of groups, a uid or extra attributes without impersonating a user (set Impersonate-User)");
  }
  return { user, groups: [...groups], ...(uid !== undefined ? { uid } : {}), extra };
}

/**
 * The user `requester` acts as, once the authorizer allowed each part of `wanted`; throws the
 * 403 of the first part refused.
 */
export function impersonate(requester: User, wanted: ImpersonationRequest, authorizer: Authorizer): User {
  const account = parseServiceAccountUsername(wanted.user);
  const checks: Partial<RequestAttributes>[] = [
    account ? { resource: "serviceaccounts", namespace: account.namespace, name: account.name } : { resource: "users", name: wanted.user },
    ...wanted.groups.map((group) => ({ resource: "groups", name: group })),
    ...Object.entries(wanted.extra).flatMap(([key, values]) => values.map((value) => ({ apiGroup: AUTHENTICATION_GROUP, resource: "userextras", subresource: key, name: value }))),
    ...(wanted.uid !== undefined ? [{ apiGroup: AUTHENTICATION_GROUP, resource: "uids", name: wanted.uid }] : []),
  ];
  for (const check of checks) {
    const attrs = impersonateAttributes(requester, check);
    const decision = authorizer.authorize(attrs);
    if (!decision.allowed) throw forbiddenByAuthorizer(attrs, decision.reason);
  }

  let groups = account && wanted.groups.length === 0 ? serviceAccountGroups(account.namespace) : [...wanted.groups];
  if (wanted.user === ANONYMOUS_USER) {
    if (!groups.includes(UNAUTHENTICATED_GROUP)) groups = [...groups, UNAUTHENTICATED_GROUP];
  } else if (!groups.includes(AUTHENTICATED_GROUP) && !groups.includes(UNAUTHENTICATED_GROUP)) {
    groups = [...groups, AUTHENTICATED_GROUP];
  }
  return {
    name: wanted.user,
    groups,
    ...(wanted.uid !== undefined ? { uid: wanted.uid } : {}),
    ...(Object.keys(wanted.extra).length > 0 ? { extra: wanted.extra } : {}),
  };
}

function impersonateAttributes(requester: User, check: Partial<RequestAttributes>): RequestAttributes {
  return {
    user: requester,
    verb: "impersonate",
    resourceRequest: true,
    path: "",
    apiGroup: "",
    apiVersion: "",
    resource: "",
    subresource: "",
    namespace: "",
    name: "",
    fieldSelector: [],
    ...check,
  };
}

/** Extra keys travel percent-encoded in header names (upstream's unescapeExtraKey). */
function unescapeExtraKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}
