// `POST /apis/authentication.k8s.io/v1/selfsubjectreviews` (`kubectl auth whoami`): the caller's
// own identity as authentication found it — username, uid, groups, extra — in a SelfSubjectReview.
// Nothing is stored. Every authenticated user may ask (upstream's system:basic-user role).

import { formatTimestamp } from "../../api/lifecycle/context";
import { errors } from "../../api/errors";
import { readObjectBody } from "./body";
import type { ResourceRequest } from "./resource-request";
import { sendJson } from "./http-io";

export async function createSelfSubjectReview(rr: ResourceRequest, method: string): Promise<void> {
  if (method !== "POST" || rr.name !== undefined) throw errors.methodNotAllowed(`${method} is not supported on selfsubjectreviews; POST one to the collection`);
  const body = await readObjectBody(rr.req);
  if (body.kind !== undefined && body.kind !== "SelfSubjectReview") throw errors.badRequest(`the body is a ${String(body.kind)}, not a SelfSubjectReview`);
  const user = rr.user;
  if (!user) throw errors.unauthorized();
  sendJson(rr.res, 201, {
    kind: "SelfSubjectReview",
    apiVersion: "authentication.k8s.io/v1",
    metadata: { creationTimestamp: formatTimestamp(rr.ctx.clock.now()) },
    status: {
      userInfo: {
        username: user.name,
        ...(user.uid ? { uid: user.uid } : {}),
        groups: [...user.groups],
        ...(user.extra && Object.keys(user.extra).length > 0 ? { extra: user.extra } : {}),
      },
    },
  });
}
