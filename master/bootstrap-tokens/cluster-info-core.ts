// What kube-public/cluster-info should hold (kubeadm's bootstrapsigner): its `kubeconfig` as it
// is, every other key that is not a signature as it is, and one `jws-kubeconfig-<id>` per token
// that is unexpired and has usage-bootstrap-signing — no more, so a deleted or expired token's
// signature disappears with it.

import { JWS_KEY_PREFIX, jwsKey } from "../../api/bootstrap/cluster-info";
import { isExpired, type TokenRecord } from "../../api/bootstrap/token";

/** The tokens that must sign, and the data keys that are not signatures. */
export function signingTokens(tokens: readonly TokenRecord[], now: Date): TokenRecord[] {
  return tokens.filter((t) => t.usages.includes("signing") && !isExpired(t, now)).sort((a, b) => a.id.localeCompare(b.id));
}

/** The ConfigMap data with exactly `signatures` (token id → detached JWS) as its signatures. */
export function withSignatures(data: Readonly<Record<string, string>>, signatures: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) if (!k.startsWith(JWS_KEY_PREFIX)) out[k] = v;
  for (const [id, jws] of [...signatures].sort(([a], [b]) => a.localeCompare(b))) out[jwsKey(id)] = jws;
  return out;
}

/** The soonest moment a signing token expires, so the signer looks again then. */
export function nextExpiry(tokens: readonly TokenRecord[], now: Date): number | undefined {
  const times = tokens.map((t) => t.expiration?.getTime()).filter((t): t is number => t !== undefined && t > now.getTime());
  return times.length > 0 ? Math.min(...times) : undefined;
}

export function sameData(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
