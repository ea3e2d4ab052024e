// TokenReview (authentication.k8s.io/v1): "who is this bearer token?", answered by the master's
// own Authenticator exactly as it would authenticate `Authorization: Bearer <token>` — bootstrap
// tokens, the static tokens.json, service-account JWTs — so a webhook or proxy in front of
// Gantry sees what the API sees. spec.audiences (default: the API's) narrows which tokens count;
// status.audiences says which of them the token is for. Creating one is authorized like any
// request (upstream's system:auth-delegator role grants it).

import { errors } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import type { AuthResult } from "../auth/authenticate";
import type { User } from "../auth/user";
import type { ResourceRequest } from "./resource-request";

/** What TokenReview needs of the master's Authenticator. */
export interface TokenAuthenticator {
  authenticateToken(token: string, audiences?: string[]): AuthResult | Promise<AuthResult>;
  readonly apiAudiences: string[];
}

export async function answerTokenReview(rr: ResourceRequest, body: KubeObject): Promise<Record<string, unknown>> {
  const tokens = rr.tokens;
  if (!tokens) throw errors.unavailable("this API server does not review tokens");
  const spec = isRecord(body.spec) ? body.spec : {};
  const token = typeof spec.token === "string" ? spec.token : "";
  if (token === "") throw errors.badRequest("token is required for TokenReview in authentication");
  const asked = Array.isArray(spec.audiences) ? spec.audiences.filter((a): a is string => typeof a === "string") : [];
  const audiences = asked.length > 0 ? asked : tokens.apiAudiences;
  const result = await tokens.authenticateToken(token, audiences);
  const status: Record<string, unknown> =
    "user" in result
      ? { authenticated: true, user: userInfo(result.user), ...(result.audiences ? { audiences: result.audiences } : {}) }
      : // Upstream tells the reviewer why (it is trusted: creating TokenReviews is a privilege).
        { authenticated: false, user: {}, error: result.error };
  return { metadata: isRecord(body.metadata) ? body.metadata : {}, spec, status };
}

/** authentication.k8s.io/v1 UserInfo of a user. */
export function userInfo(user: User): Record<string, unknown> {
  return {
    username: user.name,
    ...(user.uid ? { uid: user.uid } : {}),
    groups: [...user.groups],
    ...(user.extra && Object.keys(user.extra).length > 0 ? { extra: user.extra } : {}),
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
