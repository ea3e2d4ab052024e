// Registry authentication (Docker token auth and HTTP Basic), driven by 401 challenges:
//
//   GET /v2/<repo>/manifests/<tag>               -> 401, WWW-Authenticate: Bearer realm="https://auth/token",
//                                                     service="registry", scope="repository:<repo>:pull"
//   GET https://auth/token?service=registry&scope=repository:<repo>:pull
//       (Authorization: Basic <user:pass> if we have credentials; anonymous otherwise)
//                                                 -> 200 {"token": "...", "expires_in": 300}
//   GET /v2/<repo>/manifests/<tag>  Authorization: Bearer <token>   -> 200
//
// A `Basic realm=...` challenge is answered with the credentials directly. Tokens are cached
// per registry and scope until shortly before they expire.

import { ImageError, type ImageErrorContext } from "./types";

export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** A bearer token to send as-is (skips the token service). */
  registryToken?: string;
}

/** Credentials by registry host ("docker.io", "127.0.0.1:5000"), or a lookup function. */
export type AuthConfig = Readonly<Record<string, RegistryCredentials>> | ((registry: string) => RegistryCredentials | undefined);

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses the first challenge of a WWW-Authenticate header (RFC 7235 auth-param syntax). */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s*/.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  let rest = header.slice(m[0].length);
  const paramRe = /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)/;
  for (;;) {
    const p = paramRe.exec(rest);
    if (!p) break;
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : p[3];
    rest = rest.slice(p[0].length);
  }
  return { scheme: m[1].toLowerCase(), params };
}

export type TokenFetcher = (url: URL, authorization: string | undefined) => Promise<{ status: number; body: string }>;

interface CachedAuth {
  header: string;
  expiresAt: number;
}

export class RegistryAuthenticator {
  private readonly cache = new Map<string, CachedAuth>();

  constructor(
    private readonly config: AuthConfig | undefined,
    private readonly fetchToken: TokenFetcher,
    private readonly allowsPlainHttp: (host: string) => boolean,
    private readonly now: () => number = Date.now,
  ) {}

  credentials(registry: string): RegistryCredentials | undefined {
    if (this.config === undefined) return undefined;
    return typeof this.config === "function" ? this.config(registry) : this.config[registry];
  }

  /** The Authorization header to send for `scope`, if one is known. */
  header(registry: string, scope: string): string | undefined {
    const cached = this.cache.get(`${registry} ${scope}`);
    if (cached && cached.expiresAt > this.now()) return cached.header;
    const token = this.credentials(registry)?.registryToken;
    return token ? `Bearer ${token}` : undefined;
  }

  /**
   * Answers a 401 challenge: afterwards header(registry, scope) returns something new to try.
   * Throws Unauthorized when there is nothing to try (no credentials for Basic, token refused).
   */
  async answer(registry: string, scope: string, wwwAuthenticate: string | undefined, ctx: ImageErrorContext): Promise<void> {
    const challenge = parseChallenge(wwwAuthenticate);
    const creds = this.credentials(registry);
    const basic = creds?.username !== undefined ? `Basic ${Buffer.from(`${creds.username}:${creds.password ?? ""}`).toString("base64")}` : undefined;
    const key = `${registry} ${scope}`;
    if (challenge?.scheme === "basic") {
      if (!basic) throw new ImageError("Unauthorized", "the registry requires a username and password (Basic auth) and none are configured", ctx);
      this.cache.set(key, { header: basic, expiresAt: Number.POSITIVE_INFINITY });
      return;
    }
    if (challenge?.scheme !== "bearer" || !challenge.params.realm) {
      throw new ImageError("Unauthorized", `the registry answered 401 with an unusable challenge ${JSON.stringify(wwwAuthenticate ?? "")}`, ctx);
    }
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm);
    } catch {
      throw new ImageError("Unauthorized", `the token realm ${JSON.stringify(challenge.params.realm)} is not a URL`, ctx);
    }
    if (realm.protocol !== "https:" && !(realm.protocol === "http:" && this.allowsPlainHttp(realm.host))) {
      throw new ImageError("Unauthorized", `refusing token realm ${realm.href}: only https, or http to a registry configured insecure`, ctx);
    }
    if (challenge.params.service) realm.searchParams.set("service", challenge.params.service);
    realm.searchParams.set("scope", scope);
    const res = await this.fetchToken(realm, basic);
    if (res.status === 401 || res.status === 403) {
      const who = basic ? `user ${JSON.stringify(creds?.username)}` : "anonymous access";
      throw new ImageError("Unauthorized", `token service ${realm.origin} refused ${who} for ${scope} (HTTP ${res.status}): ${res.body.slice(0, 200).trim()}`, ctx);
    }
    if (res.status !== 200) throw new ImageError("Network", `token service ${realm.origin} answered HTTP ${res.status}: ${res.body.slice(0, 200).trim()}`, ctx);
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(res.body) as typeof body;
    } catch {
      throw new ImageError("Unauthorized", `token service ${realm.origin} returned something that is not JSON`, ctx);
    }
    const token = typeof body.token === "string" ? body.token : typeof body.access_token === "string" ? body.access_token : undefined;
    if (!token) throw new ImageError("Unauthorized", `token service ${realm.origin} returned no token`, ctx);
    const ttl = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : 60;
    this.cache.set(key, { header: `Bearer ${token}`, expiresAt: this.now() + Math.max(1, ttl - 10) * 1000 });
  }

  forget(registry: string, scope: string): void {
    this.cache.delete(`${registry} ${scope}`);
  }
}
