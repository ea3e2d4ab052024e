// The service-account token authenticator (kube-apiserver's pkg/serviceaccount JWT
// authenticator with its bound-token validator): a bearer JWT from our issuer, correctly
// signed, unexpired and meant for this API (token-issuer.ts), whose account — and pod or Secret
// when it is bound to one — still exists with the uid the token names. It authenticates as
//
//   system:serviceaccount:<namespace>:<name>
//     groups system:serviceaccounts, system:serviceaccounts:<namespace>, system:authenticated
//     uid    the account's uid
//     extra  authentication.kubernetes.io/pod-name, pod-uid, node-name, node-uid, credential-id
//
// A pod that is being deleted keeps its tokens working for a minute past its deletionTimestamp,
// as upstream allows; after that, and once it is gone, they are refused.

import type { KubeObject } from "../../api/object";
import { readBinding, type ObjectRef } from "../../api/serviceaccounts/claims";
import { serviceAccountGroups, serviceAccountUsername } from "../../api/serviceaccounts/names";
import type { TokenIssuer } from "./token-issuer";
import { authenticated, type User } from "./user";

/** Where the authenticator looks objects up: caches first, then the store (upstream's getter). */
export interface ServiceAccountObjects {
  serviceAccount(namespace: string, name: string): Promise<KubeObject | undefined>;
  pod(namespace: string, name: string): Promise<KubeObject | undefined>;
  secret(namespace: string, name: string): Promise<KubeObject | undefined>;
}

const EXTRA = "authentication.kubernetes.io";
const DELETION_LEEWAY_MS = 60_000;

/** undefined: not a token of this issuer (another authenticator may know it). */
export type TokenOutcome = { user: User; audiences?: string[] } | { error: string } | undefined;

export class ServiceAccountAuthenticator {
  constructor(
    private readonly issuer: TokenIssuer,
    private readonly objects: ServiceAccountObjects,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Whether a bearer token has the shape of a JWT (three dot-separated parts). */
  static looksLikeJwt(token: string): boolean {
    return token.split(".").length === 3;
  }

  /** The API's audiences: what a token must be meant for unless a TokenReview names others. */
  get apiAudiences(): string[] {
    return this.issuer.apiAudiences;
  }

  /** `audiences`: those the token must name one of (default: the API's); the result lists the ones it names. */
  async authenticate(token: string, audiences: string[] = this.issuer.apiAudiences): Promise<TokenOutcome> {
    const now = this.clock();
    const verified = await this.issuer.verify(token, now, audiences);
    if ("notOurs" in verified) return undefined;
    if ("error" in verified) return verified;
    const binding = readBinding(verified.payload);
    if ("invalid" in binding) return { error: binding.invalid };
    const ns = binding.namespace;

    const account = await this.objects.serviceAccount(ns, binding.serviceAccount.name);
    const accountProblem = mismatch("service account", ns, binding.serviceAccount, account, now, false);
    if (accountProblem) return { error: accountProblem };
    if (binding.pod) {
      const problem = mismatch("pod", ns, binding.pod, await this.objects.pod(ns, binding.pod.name), now, true);
      if (problem) return { error: problem };
    }
    if (binding.secret) {
      const problem = mismatch("secret", ns, binding.secret, await this.objects.secret(ns, binding.secret.name), now, true);
      if (problem) return { error: problem };
    }

    const extra: Record<string, string[]> = {};
    if (binding.pod) Object.assign(extra, { [`${EXTRA}/pod-name`]: [binding.pod.name], [`${EXTRA}/pod-uid`]: [binding.pod.uid] });
    if (binding.node) Object.assign(extra, { [`${EXTRA}/node-name`]: [binding.node.name], [`${EXTRA}/node-uid`]: [binding.node.uid] });
    if (typeof verified.payload.jti === "string") extra[`${EXTRA}/credential-id`] = [`JTI=${verified.payload.jti}`];
    const user = authenticated(serviceAccountUsername(ns, binding.serviceAccount.name), serviceAccountGroups(ns));
    return { user: { ...user, uid: binding.serviceAccount.uid, extra }, audiences: verified.audiences };
  }
}

/**
 * Why the object a token names no longer stands behind it: gone, replaced (another uid), or
 * deleted. Pods and Secrets being deleted keep their tokens a minute past the deletion time.
 */
function mismatch(what: string, namespace: string, claimed: ObjectRef, found: KubeObject | undefined, now: Date, graceful: boolean): string | undefined {
  if (!found) return `${what} ${namespace}/${claimed.name} has been deleted`;
  if (found.metadata.uid !== claimed.uid) return `${what} UID (${found.metadata.uid}) does not match claim (${claimed.uid})`;
  const deleted = found.metadata.deletionTimestamp;
  if (!deleted) return undefined;
  if (!graceful) return `${what} ${namespace}/${claimed.name} has been deleted`;
  return Date.parse(deleted) + DELETION_LEEWAY_MS < now.getTime() ? "service account token has been invalidated" : undefined;
}
