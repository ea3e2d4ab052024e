// Makes bound service-account tokens: the claims for an account and what the token is bound to
// (api/serviceaccounts/claims.ts), signed by the master's TokenIssuer. Two callers:
//
//   - the TokenRequest subresource, `POST .../serviceaccounts/<name>/token`
//     (master/apiserver/token-request.ts, `kubectl create token`);
//   - the dispatcher, answering an agent's request for the token of a projected volume of one
//     of its pods (master/dispatch/token-requests.ts).
//
// One minter per master, registered on its ApiContext by master.ts, so both find it from the
// context they already hold.

import type { KubeObject } from "../../api/object";
import { buildClaims, type ObjectRef, type TokenBinding } from "../../api/serviceaccounts/claims";
import type { ApiContext } from "../registry/context";
import type { TokenIssuer } from "../auth/token-issuer";

export interface MintRequest {
  serviceAccount: KubeObject;
  pod?: KubeObject;
  secret?: KubeObject;
  /** The bound pod's node, named in the token for information. */
  node?: KubeObject;
  audiences: string[];
  expirationSeconds: number;
}

export interface MintedToken {
  token: string;
  /** RFC 3339, whole seconds: when the token stops working. */
  expirationTimestamp: string;
  /** The lifetime the token was given (the request's, shortened to the server's maximum). */
  expirationSeconds: number;
}

export class TokenMinter {
  constructor(
    readonly issuer: TokenIssuer,
    private readonly clock: () => Date,
  ) {}

  /** The longest lifetime a token may get (`--service-account-max-token-expiration`); 0: none. */
  get maxExpirationSeconds(): number {
    return this.issuer.options.maxExpirationSeconds ?? 0;
  }

  async mint(r: MintRequest): Promise<MintedToken> {
    const max = this.maxExpirationSeconds;
    const expirationSeconds = max > 0 ? Math.min(r.expirationSeconds, max) : r.expirationSeconds;
    const now = Math.floor(this.clock().getTime() / 1000);
    const binding: TokenBinding = {
      namespace: r.serviceAccount.metadata.namespace ?? "",
      serviceAccount: refOf(r.serviceAccount),
      ...(r.pod ? { pod: refOf(r.pod) } : {}),
      ...(r.secret ? { secret: refOf(r.secret) } : {}),
      ...(r.node ? { node: refOf(r.node) } : {}),
    };
    const claims = buildClaims({ issuer: this.issuer.issuer, audiences: r.audiences, binding, now, expirationSeconds, jti: this.issuer.newTokenId() });
    return {
      token: await this.issuer.sign(claims),
      expirationTimestamp: new Date(claims.exp * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
      expirationSeconds,
    };
  }
}

function refOf(o: KubeObject): ObjectRef {
  return { name: o.metadata.name ?? "", uid: o.metadata.uid ?? "" };
}

const minters = new WeakMap<ApiContext, TokenMinter>();

export function registerTokenMinter(ctx: ApiContext, minter: TokenMinter): void {
  minters.set(ctx, minter);
}

/** The master's minter; undefined when this context has none (tests without service accounts). */
export function tokenMinterOf(ctx: ApiContext): TokenMinter | undefined {
  return minters.get(ctx);
}
