// The "review" kinds: objects a client POSTs to ask a question and gets back with `status`
// filled in, never stored (kube-apiserver's create-only REST storages). Which handler answers
// each kind, and the steps they share: only POST to the collection, a body of the right kind.
//
//   authentication.k8s.io/v1  SelfSubjectReview (self-subject-review.ts), TokenReview (token-review.ts)
//   authorization.k8s.io/v1   SelfSubjectAccessReview, SubjectAccessReview, LocalSubjectAccessReview,
//                             SelfSubjectRulesReview (access-reviews.ts)

import { errors } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { apiVersionOf } from "../../api/resources";
import { answerAccessReview, answerRulesReview } from "./access-reviews";
import { readObjectBody } from "./body";
import { sendJson } from "./http-io";
import type { ResourceRequest } from "./resource-request";
import { createSelfSubjectReview } from "./self-subject-review";
import { answerTokenReview } from "./token-review";

type ReviewHandler = (rr: ResourceRequest, body: KubeObject) => Promise<Record<string, unknown>> | Record<string, unknown>;

const HANDLERS: Readonly<Record<string, ReviewHandler>> = {
  SelfSubjectReview: createSelfSubjectReview,
  TokenReview: answerTokenReview,
  SelfSubjectAccessReview: (rr, body) => answerAccessReview(rr, body, "SelfSubjectAccessReview"),
  SubjectAccessReview: (rr, body) => answerAccessReview(rr, body, "SubjectAccessReview"),
  LocalSubjectAccessReview: (rr, body) => answerAccessReview(rr, body, "LocalSubjectAccessReview"),
  SelfSubjectRulesReview: answerRulesReview,
};

/** Whether `kind` is answered here rather than stored. */
export function isReviewKind(kind: string): boolean {
  return Object.hasOwn(HANDLERS, kind);
}

/** Answers a POST of a review: 201 with the review and its status. */
export async function answerReview(rr: ResourceRequest, method: string): Promise<void> {
  const r = rr.resource;
  if (method !== "POST" || rr.name !== undefined) throw errors.methodNotAllowed(`${method} is not supported on ${r.plural}; POST one to the collection`);
  if (r.namespaced && rr.namespace === undefined) throw errors.methodNotAllowed(`create ${r.plural} inside a namespace: POST /…/namespaces/<ns>/${r.plural}`);
  const body = await readObjectBody(rr.req);
  if (body.kind !== undefined && body.kind !== r.kind) throw errors.badRequest(`the body is a ${String(body.kind)}, not a ${r.kind}`);
  const answer = await HANDLERS[r.kind](rr, body);
  sendJson(rr.res, 201, { kind: r.kind, apiVersion: apiVersionOf(r), ...answer });
}
