// Authentication, kube-apiserver's order: a bearer token (a bootstrap token from its Secret, else
// the static tokens of <data-dir>/tokens.json, else a service-account JWT —
// service-account-authenticator.ts, the one check that is asynchronous), else a client
// certificate signed by the cluster CA, else the anonymous user. Credentials that are presented but wrong (an unknown or expired
// token, a certificate from another CA) are an error (401), never anonymous.

import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { BOOTSTRAPPERS_GROUP, isExpired, parseToken, readTokenSecret, secretMatches, tokenSecretName, tokenUser } from "../../api/bootstrap/token";
import type { KubeObject } from "../../api/object";
import { ServiceAccountAuthenticator } from "./service-account-authenticator";
import { anonymousUser, authenticated, type User } from "./user";

/** `audiences`: the audiences a token was checked against and is meant for (TokenReview). */
export type AuthResult = { user: User; audiences?: string[] } | { error: string };

/** Where bootstrap token Secrets are looked up (an informer cache of kube-system Secrets). */
export interface TokenSecretSource {
  /** The Secret `kube-system/<name>`, if cached. */
  get(name: string): KubeObject | undefined;
}

export class Authenticator {
  /**
   * The client-certificate identity of each TLS connection, worked out on its first request:
   * getPeerCertificate() builds the whole certificate (fingerprints included) on every call,
   * which was a large share of a small request's cost. A connection's certificate cannot
   * change, since the server refuses TLS renegotiation (see apiserver/server.ts).
   */
  private readonly certUsers = new WeakMap<TLSSocket, AuthResult | null>();

  constructor(
    private readonly staticTokens: ReadonlyMap<string, User>,
    private readonly bootstrapTokens: TokenSecretSource,
    private readonly clock: () => Date = () => new Date(),
    private readonly serviceAccounts?: ServiceAccountAuthenticator,
  ) {}

  /** Synchronous except for service-account tokens, which may need a store lookup. */
  authenticate(req: IncomingMessage): AuthResult | Promise<AuthResult> {
    const header = req.headers.authorization;
    if (header !== undefined && /^bearer /i.test(header)) return this.token(header.slice("Bearer ".length).trim());
    const socket = req.socket as TLSSocket;
    if (typeof socket.getPeerCertificate !== "function") return { user: anonymousUser() };
    let result = this.certUsers.get(socket);
    if (result === undefined) {
      result = certificateUser(socket);
      this.certUsers.set(socket, result);
    }
    if (result === null) return { user: anonymousUser() };
    return "user" in result ? { user: { name: result.user.name, groups: [...result.user.groups] } } : result;
  }

  /** The API's audiences (`--api-audiences`); none without a service-account issuer. */
  get apiAudiences(): string[] {
    return this.serviceAccounts?.apiAudiences ?? [];
  }

  /**
   * A bare bearer token, the way a request's `Authorization: Bearer` is (TokenReview asks this).
   * With `audiences` (non-empty) the token must be meant for one of them: a service-account
   * token must name one; the other tokens are valid for the API's audiences only, when it has
   * some (upstream's audience-agnostic wrapper). The result says which of `audiences` matched.
   */
  authenticateToken(token: string, audiences?: string[]): AuthResult | Promise<AuthResult> {
    return this.token(token, audiences !== undefined && audiences.length > 0 ? audiences : undefined);
  }

  private token(token: string, audiences?: string[]): AuthResult | Promise<AuthResult> {
    const audienceAgnostic = (user: User): AuthResult => {
      // Without API audiences upstream does not wrap these tokens at all.
      if (audiences === undefined || this.apiAudiences.length === 0) return { user };
      const matched = audiences.filter((a) => this.apiAudiences.includes(a));
      return matched.length > 0 ? { user, audiences: matched } : { error: "invalid bearer token" };
    };
    const bootstrap = parseToken(token);
    if (bootstrap) {
      const user = this.bootstrapUser(bootstrap.id, bootstrap.secret);
      if (user) return audienceAgnostic(user);
    }
    const user = this.staticTokens.get(token);
    if (user) return audienceAgnostic(authenticated(user.name, user.groups));
    if (this.serviceAccounts && ServiceAccountAuthenticator.looksLikeJwt(token)) {
      return this.serviceAccounts.authenticate(token, audiences).then((r) => r ?? { error: "invalid bearer token" });
    }
    return { error: "invalid bearer token" };
  }

  /** Kubernetes' bootstrap token authenticator: the Secret must exist, match, be unexpired and meant for authentication. */
  private bootstrapUser(id: string, secret: string): User | undefined {
    const stored = this.bootstrapTokens.get(tokenSecretName(id));
    if (!stored || stored.metadata.deletionTimestamp) return undefined;
    const record = readTokenSecret(stored);
    if ("invalid" in record) return undefined;
    if (!secretMatches(secret, record.secret)) return undefined;
    if (isExpired(record, this.clock())) return undefined;
    if (!record.usages.includes("authentication")) return undefined;
    return authenticated(tokenUser(id), [BOOTSTRAPPERS_GROUP, ...record.groups]);
  }
}

/** null: no certificate (anonymous so far); an error: a certificate that is not acceptable. */
function certificateUser(socket: TLSSocket): AuthResult | null {
  const cert = socket.getPeerCertificate();
  if (cert === null || Object.keys(cert).length === 0) return null;
  if (!socket.authorized) return { error: "client certificate not trusted" };
  const cn = cert.subject?.CN;
  if (typeof cn !== "string" || cn === "") return { error: "client certificate names no user" };
  const o = cert.subject.O;
  return { user: authenticated(cn, o === undefined ? [] : Array.isArray(o) ? o : [o]) };
}
