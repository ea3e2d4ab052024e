// The service-account tokens a pod's projected volumes show (`serviceAccountToken` sources): which
// ones a pod needs, and the lookup planVolumes reads them from. The agent gets them from the
// master (agent/tokens/); this file is pure.

import type { Pod } from "kubernetes-types/core/v1";

/** One token a pod needs: audience ("" = the API's) and requested lifetime. */
export interface TokenProjection {
  audience: string;
  expirationSeconds: number;
}

/** The tokens fetched for one pod, by projection. */
export interface TokenLookup {
  get(p: TokenProjection): string | undefined;
}

export const NO_TOKENS: TokenLookup = { get: () => undefined };

export function projectionKey(p: TokenProjection): string {
  return `${p.audience}\n${p.expirationSeconds}`;
}

/** Every distinct token projection of the pod's volumes (the API defaults the lifetime to 3600). */
export function tokenProjections(pod: Pod): TokenProjection[] {
  const out = new Map<string, TokenProjection>();
  for (const v of pod.spec?.volumes ?? []) {
    for (const s of v.projected?.sources ?? []) {
      const t = s.serviceAccountToken;
      if (!t) continue;
      const p = { audience: t.audience ?? "", expirationSeconds: t.expirationSeconds ?? 3600 };
      out.set(projectionKey(p), p);
    }
  }
  return [...out.values()];
}
