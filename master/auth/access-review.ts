// Answering an access review (api/authorization/access-review.ts) with the authorizer every
// request goes through: the question becomes the RequestAttributes a real request with those
// attributes would have, for the caller (the self reviews) or for the subject the review names.
// So `kubectl auth can-i` says what the apiserver would decide, not a second opinion.

import type { AccessQuestion, AccessReviewStatus, ReviewSubject } from "../../api/authorization/access-review";
import type { Authorizer } from "./access";
import type { RequestAttributes } from "./attributes";
import type { User } from "./user";

/** The attributes the question asks about, for `user`. */
export function questionAttributes(question: AccessQuestion, user: User): RequestAttributes {
  const base = { user, apiVersion: "", fieldSelector: [], apiGroup: "", resource: "", subresource: "", namespace: "", name: "" };
  if ("nonResource" in question) {
    return { ...base, resourceRequest: false, verb: question.nonResource.verb, path: question.nonResource.path };
  }
  const r = question.resource;
  return {
    ...base,
    resourceRequest: true,
    verb: r.verb,
    path: "",
    apiGroup: r.group,
    apiVersion: r.version,
    resource: r.resource,
    subresource: r.subresource,
    namespace: r.namespace,
    name: r.name,
  };
}

/**
 * The user a SubjectAccessReview asks about, exactly as named: no system:authenticated added,
 * as upstream (a reviewer asks about the groups it names).
 */
export function subjectUser(subject: ReviewSubject): User {
  return {
    name: subject.user,
    groups: [...subject.groups],
    ...(subject.uid ? { uid: subject.uid } : {}),
    ...(Object.keys(subject.extra).length > 0 ? { extra: subject.extra } : {}),
  };
}

/** The authorizer's decision as a review's status. */
export function decideReview(authorizer: Authorizer, attrs: RequestAttributes): AccessReviewStatus {
  const decision = authorizer.authorize(attrs);
  if (decision.allowed) return { allowed: true };
  return decision.reason ? { allowed: false, reason: decision.reason } : { allowed: false };
}
