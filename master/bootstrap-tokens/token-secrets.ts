// Bootstrap token Secrets as the token controllers read them from a shared Secret informer.

import { TOKEN_NAMESPACE, TOKEN_SECRET_TYPE, readTokenSecret, type TokenRecord } from "../../api/bootstrap/token";
import type { KubeObject } from "../../api/object";

/** Whether a cached Secret is a bootstrap token Secret the controllers look after. */
export function isTokenSecret(s: KubeObject): boolean {
  return s.metadata.namespace === TOKEN_NAMESPACE && s.type === TOKEN_SECRET_TYPE;
}

/** The well-formed token records among `secrets` (malformed ones are ignored, as upstream). */
export function tokenRecords(secrets: readonly KubeObject[]): TokenRecord[] {
  const out: TokenRecord[] = [];
  for (const s of secrets) {
    if (!isTokenSecret(s) || s.metadata.deletionTimestamp) continue;
    const r = readTokenSecret(s);
    if (!("invalid" in r)) out.push(r);
  }
  return out;
}
