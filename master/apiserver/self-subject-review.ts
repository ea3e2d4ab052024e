// SelfSubjectReview (`kubectl auth whoami`): the caller's own identity as authentication found
// it — username, uid, groups, extra; when the request impersonates, the user acted as. Every
// authenticated user may ask (upstream's system:basic-user role).

import { formatTimestamp } from "../../api/lifecycle/context";
import type { ResourceRequest } from "./resource-request";
import { userInfo } from "./token-review";

export function createSelfSubjectReview(rr: ResourceRequest): Record<string, unknown> {
  return {
    metadata: { creationTimestamp: formatTimestamp(rr.ctx.clock.now()) },
    status: { userInfo: userInfo(rr.user) },
  };
}
