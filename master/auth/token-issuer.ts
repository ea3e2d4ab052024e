// Signs and verifies service-account tokens: compact JWS (a JWT) over the claims of
// api/serviceaccounts/claims.ts, with the cluster's service-account key (master/pki
// service-account-keys.ts: `sa.key` / `sa.pub`, the same on every master). The `jose` library does
// the JOSE work; ES256 for the P-256 key Gantry makes, RS256 for an RSA key copied from kubeadm.
// The header carries `kid`: the unpadded base64url SHA-256 of the public key's DER, as
// kube-apiserver computes it.
//
//   const issuer = await TokenIssuer.create(keys, { issuer: DEFAULT_ISSUER, apiAudiences: [DEFAULT_ISSUER] });
//   const jwt = await issuer.sign(buildClaims({ ... }));
//   const v = await issuer.verify(jwt);   // { payload } | { error } | { notOurs: true }
//
// verify() answers `notOurs` for a JWT some other issuer made (another authenticator may know
// it), and an error for one of ours that is expired, not yet valid, badly signed or meant for
// another audience. It says nothing about whether the account or bound object still exists; the
// authenticator (service-account-authenticator.ts) checks that.

import { createHash, createPrivateKey, createPublicKey, randomUUID, type webcrypto } from "node:crypto";
import { loadJose } from "../../api/jose-loader";
import type { ServiceAccountClaims } from "../../api/serviceaccounts/claims";
import type { ServiceAccountKeys } from "../pki";

type Alg = "ES256" | "RS256";

export interface IssuerOptions {
  /** `--service-account-issuer`: the `iss` of every token; tokens with another `iss` are not ours. */
  issuer: string;
  /** `--api-audiences`: a token must name one of them to authenticate to this API. */
  apiAudiences: string[];
  /** `--service-account-max-token-expiration` in seconds; 0: none. */
  maxExpirationSeconds?: number;
}

/** `audiences`: those of the target audiences the token names. */
export type Verification = { payload: Record<string, unknown>; audiences: string[] } | { error: string } | { notOurs: true };

/** Tolerated clock difference between masters for exp/nbf/iat, as upstream's validator allows. */
const LEEWAY_SECONDS = 60;

export class TokenIssuer {
  private constructor(
    readonly options: IssuerOptions,
    private readonly alg: Alg,
    private readonly kid: string,
    private readonly privateKey: webcrypto.CryptoKey,
    private readonly publicKey: webcrypto.CryptoKey,
  ) {}

  static async create(keys: ServiceAccountKeys, options: IssuerOptions): Promise<TokenIssuer> {
    const { importPKCS8, importSPKI } = await loadJose();
    const alg = algorithmOf(keys.privateKeyPem);
    const der = createPublicKey(keys.publicKeyPem).export({ format: "der", type: "spki" });
    const kid = createHash("sha256").update(der).digest("base64url");
    return new TokenIssuer(options, alg, kid, await importPKCS8(keys.privateKeyPem, alg), await importSPKI(keys.publicKeyPem, alg));
  }

  get issuer(): string {
    return this.options.issuer;
  }

  get apiAudiences(): string[] {
    return this.options.apiAudiences;
  }

  /** A fresh token id (the `jti` claim). */
  newTokenId(): string {
    return randomUUID();
  }

  async sign(claims: ServiceAccountClaims): Promise<string> {
    const { SignJWT } = await loadJose();
    return new SignJWT({ ...claims }).setProtectedHeader({ alg: this.alg, kid: this.kid, typ: "JWT" }).sign(this.privateKey);
  }

  /** `targets`: the audiences the token must name one of (default: the API's). */
  async verify(token: string, now: Date, targets: string[] = this.options.apiAudiences): Promise<Verification> {
    const jose = await loadJose();
    let iss: unknown;
    try {
      iss = jose.decodeJwt(token).iss;
    } catch {
      return { notOurs: true };
    }
    if (iss !== this.options.issuer) return { notOurs: true };
    try {
      const { payload } = await jose.jwtVerify(token, this.publicKey, {
        algorithms: [this.alg],
        issuer: this.options.issuer,
        currentDate: now,
        clockTolerance: LEEWAY_SECONDS,
        requiredClaims: ["exp", "sub"],
      });
      const audiences = typeof payload.aud === "string" ? [payload.aud] : (payload.aud ?? []);
      const matched = targets.filter((a) => audiences.includes(a));
      if (matched.length === 0) {
        return { error: `token audiences ${JSON.stringify(audiences)} is invalid for the target audiences ${JSON.stringify(targets)}` };
      }
      return { payload: payload as Record<string, unknown>, audiences: matched };
    } catch (err) {
      return { error: verificationError(err, jose) };
    }
  }
}

function algorithmOf(privateKeyPem: string): Alg {
  const key = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType === "rsa") return "RS256";
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") return "ES256";
  throw new Error(`the service-account key is ${key.asymmetricKeyType} ${key.asymmetricKeyDetails?.namedCurve ?? ""}; only RSA and ECDSA P-256 keys can sign tokens`);
}

/** Upstream's messages for the common failures. */
function verificationError(err: unknown, jose: Awaited<ReturnType<typeof loadJose>>): string {
  if (err instanceof jose.errors.JWTExpired) return "service account token has expired";
  if (err instanceof jose.errors.JWTClaimValidationFailed) {
    if (err.claim === "nbf") return "service account token is not valid yet";
    if (err.claim === "iat") return "service account token is issued in the future";
    return `service account token claim ${err.claim} is invalid: ${err.message}`;
  }
  if (err instanceof jose.errors.JWSSignatureVerificationFailed) return "service account token signature is invalid";
  return `invalid service account token: ${err instanceof Error ? err.message : String(err)}`;
}
