// The authorization.k8s.io/v1 reviews, answered by the same authorizer that decides every
// request (ctx.authorizer), so `kubectl auth can-i` tells what the API would do:
//
//   SelfSubjectAccessReview   may I <verb> <resource> / <path>?      (kubectl auth can-i)
//   SubjectAccessReview       may spec.user/groups …?                (a reviewer allowed to create them)
//   LocalSubjectAccessReview  the same, inside the URL's namespace
//   SelfSubjectRulesReview    what may I do in spec.namespace?       (kubectl auth can-i --list)
//
// The bodies are read and validated by api/authorization/access-review.ts; the rules come from
// ctx.rules (master/auth/rules.ts). Nothing is stored.

import { readAccessReview, type AccessReviewKind } from "../../api/authorization/access-review";
import { errors } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { decideReview, questionAttributes, subjectUser } from "../auth/access-review";
import { rulesFor } from "../auth/rules";
import type { ResourceRequest } from "./resource-request";

export function answerAccessReview(rr: ResourceRequest, body: KubeObject, kind: AccessReviewKind): Record<string, unknown> {
  const question = readAccessReview(kind, body as unknown as Record<string, unknown>, rr.namespace);
  const user = question.subject ? subjectUser(question.subject) : rr.user;
  const status = decideReview(rr.ctx.authorizer, questionAttributes(question, user));
  const metadata = kind === "LocalSubjectAccessReview" ? { ...body.metadata, namespace: rr.namespace } : (body.metadata ?? {});
  return { metadata, spec: body.spec, status };
}

export function answerRulesReview(rr: ResourceRequest, body: KubeObject): Record<string, unknown> {
  const spec = (typeof body.spec === "object" && body.spec !== null ? body.spec : {}) as Record<string, unknown>;
  const namespace = typeof spec.namespace === "string" ? spec.namespace : "";
  if (namespace === "") throw errors.badRequest("no namespace on request");
  return { metadata: body.metadata ?? {}, spec, status: rulesFor(rr.ctx.rules, rr.user, namespace) };
}
