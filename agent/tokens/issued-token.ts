// The master's answer to a token request (proto ServiceAccountToken) as the token cache keeps it.

import type { ServiceAccountToken } from "../../proto/gen/agent";
import type { IssuedToken } from "./service-account-tokens";

/** The token, or a throw with the master's reason for refusing it. */
export function issuedToken(answer: ServiceAccountToken): IssuedToken {
  if (answer.error || !answer.token) throw new Error(answer.error || "the master sent no token");
  const expiresAtMs = Date.parse(answer.expirationTimestamp);
  if (!Number.isFinite(expiresAtMs)) throw new Error(`the master sent an unreadable expiration time ${JSON.stringify(answer.expirationTimestamp)}`);
  return { token: answer.token, expiresAtMs, lifetimeMs: answer.expirationSeconds * 1000 };
}
