// The node's service-account tokens (the kubelet's token manager): one per pod and token
// projection, fetched from the master over the session (proto ServiceAccountTokenRequest) when
// the pod's volumes are set up, cached, and fetched again once 80% of its lifetime has passed or
// it is a day old. A refresh that fails keeps the old token while it is still valid, as the
// kubelet does; the executor rewrites the volume whenever a pod's tokens changed
// (executor.refreshTokens).
//
// Tokens live in memory and in the pod's projected volume, which is a tmpfs: never on disk.

import type { Pod } from "kubernetes-types/core/v1";
import { projectionKey, tokenProjections, type TokenLookup, type TokenProjection } from "../pod-spec/token-data";

export interface IssuedToken {
  token: string;
  /** When it stops working (ms since the epoch, the master's clock). */
  expiresAtMs: number;
  /** The lifetime it was issued with. */
  lifetimeMs: number;
}

/** Asks the master for a token of one projection of one pod; rejects with the reason it has none. */
export type TokenSource = (request: { podUid: string } & TokenProjection) => Promise<IssuedToken>;

const MAX_AGE_MS = 24 * 3600_000;
/** After a failed refresh (the old token still valid), the next try waits this long. */
const RETRY_MS = 5_000;

/** The kubelet's rule: refresh once 80% of the lifetime has passed, or once the token is a day old. */
export function needsRefresh(t: IssuedToken, nowMs: number): boolean {
  const issuedAt = t.expiresAtMs - t.lifetimeMs;
  return nowMs >= t.expiresAtMs - t.lifetimeMs / 5 || nowMs >= issuedAt + MAX_AGE_MS;
}

export class ServiceAccountTokens {
  private readonly cache = new Map<string, IssuedToken>();
  private readonly inflight = new Map<string, Promise<IssuedToken>>();
  /** Keys whose refresh failed, and when to try again. */
  private readonly retryAt = new Map<string, number>();

  constructor(
    private readonly source: TokenSource,
    private readonly now: () => number,
    private readonly warn: (msg: string, err?: unknown) => void = () => {},
  ) {}

  /** Whether the pod has a projection whose token is missing or due for a refresh. */
  due(pod: Pod): boolean {
    const uid = pod.metadata?.uid ?? "";
    const now = this.now();
    return tokenProjections(pod).some((p) => {
      const key = cacheKey(uid, p);
      const t = this.cache.get(key);
      return (!t || needsRefresh(t, now)) && now >= (this.retryAt.get(key) ?? 0);
    });
  }

  /**
   * A valid token for each of the pod's projections, fetching what is missing or due. Throws
   * `failed to fetch token: …` when one cannot be had (none cached, or the cached one expired).
   */
  async fetch(pod: Pod): Promise<TokenLookup> {
    const uid = pod.metadata?.uid ?? "";
    const got = new Map<string, string>();
    await Promise.all(
      tokenProjections(pod).map(async (p) => {
        got.set(projectionKey(p), (await this.one(uid, p)).token);
      }),
    );
    return { get: (p) => got.get(projectionKey(p)) };
  }

  /** Drops a removed pod's tokens. */
  forget(podUid: string): void {
    for (const key of this.cache.keys()) {
      if (!key.startsWith(`${podUid}\n`)) continue;
      this.cache.delete(key);
      this.retryAt.delete(key);
    }
  }

  private async one(podUid: string, p: TokenProjection): Promise<IssuedToken> {
    const key = cacheKey(podUid, p);
    const cached = this.cache.get(key);
    if (cached && !needsRefresh(cached, this.now())) return cached;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.source({ podUid, ...p }).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    try {
      const fresh = await pending;
      this.cache.set(key, fresh);
      this.retryAt.delete(key);
      return fresh;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.retryAt.set(key, this.now() + RETRY_MS);
      if (!cached) throw new Error(`failed to fetch token: ${why}`);
      if (cached.expiresAtMs <= this.now()) throw new Error(`token expired and refresh failed: ${why}`);
      this.warn(`refreshing a service-account token of pod ${podUid} failed; the current one is valid until ${new Date(cached.expiresAtMs).toISOString()}`, err);
      return cached;
    }
  }
}

function cacheKey(podUid: string, p: TokenProjection): string {
  return `${podUid}\n${projectionKey(p)}`;
}
