// The claims of a bound service-account token, as kube-apiserver writes them
// (pkg/serviceaccount/claims.go):
//
//   { "iss": "https://kubernetes.default.svc.cluster.local",
//     "sub": "system:serviceaccount:<ns>:<name>",
//     "aud": ["https://kubernetes.default.svc.cluster.local"],
//     "exp": 1700003600, "iat": 1700000000, "nbf": 1700000000, "jti": "<uuid>",
//     "kubernetes.io": { "namespace": "<ns>",
//                        "serviceaccount": { "name": "<name>", "uid": "<uid>" },
//                        "pod": { "name": "<pod>", "uid": "<uid>" },        (bound to a pod)
//                        "secret": { "name": "<secret>", "uid": "<uid>" },  (bound to a Secret)
//                        "node": { "name": "<node>", "uid": "<uid>" } } }   (the pod's node)
//
// Pure: building the payload and reading one back. Signing and verifying the JWS around it is
// master/auth/token-issuer.ts; checking the named objects still exist is the authenticator's.

import { serviceAccountUsername } from "./names";

export interface ObjectRef {
  name: string;
  uid: string;
}

/** What a token says about its account and what it is bound to. */
export interface TokenBinding {
  namespace: string;
  serviceAccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  /** The node the bound pod runs on (informational: a pod-bound token is not checked against it). */
  node?: ObjectRef;
}

export interface ServiceAccountClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  "kubernetes.io": {
    namespace: string;
    serviceaccount: ObjectRef;
    pod?: ObjectRef;
    secret?: ObjectRef;
    node?: ObjectRef;
  };
}

export interface ClaimsInput {
  issuer: string;
  audiences: string[];
  binding: TokenBinding;
  /** Seconds since the epoch. */
  now: number;
  expirationSeconds: number;
  /** A unique id for this token (the credential id in audit logs). */
  jti: string;
}

export function buildClaims(input: ClaimsInput): ServiceAccountClaims {
  const b = input.binding;
  return {
    iss: input.issuer,
    sub: serviceAccountUsername(b.namespace, b.serviceAccount.name),
    aud: [...input.audiences],
    exp: input.now + input.expirationSeconds,
    iat: input.now,
    nbf: input.now,
    jti: input.jti,
    "kubernetes.io": {
      namespace: b.namespace,
      serviceaccount: { ...b.serviceAccount },
      ...(b.pod ? { pod: { ...b.pod } } : {}),
      ...(b.secret ? { secret: { ...b.secret } } : {}),
      ...(b.node ? { node: { ...b.node } } : {}),
    },
  };
}

/**
 * The binding a verified payload carries, or why it is not a bound service-account token of
 * ours (a missing or malformed `kubernetes.io` claim, a subject that disagrees with it).
 */
export function readBinding(payload: Record<string, unknown>): TokenBinding | { invalid: string } {
  const k = payload["kubernetes.io"];
  if (!isRecord(k)) return { invalid: "the token has no kubernetes.io claim" };
  const namespace = k.namespace;
  if (typeof namespace !== "string" || namespace === "") return { invalid: "the token names no namespace" };
  const serviceAccount = ref(k.serviceaccount);
  if (!serviceAccount) return { invalid: "the token names no service account" };
  if (payload.sub !== serviceAccountUsername(namespace, serviceAccount.name)) return { invalid: "the token's subject does not match its service account" };
  const binding: TokenBinding = { namespace, serviceAccount };
  for (const key of ["pod", "secret", "node"] as const) {
    if (k[key] === undefined) continue;
    const r = ref(k[key]);
    if (!r) return { invalid: `the token's ${key} claim is malformed` };
    binding[key] = r;
  }
  if (binding.pod && binding.secret) return { invalid: "the token is bound to both a pod and a secret" };
  return binding;
}

function ref(v: unknown): ObjectRef | undefined {
  if (!isRecord(v) || typeof v.name !== "string" || v.name === "" || typeof v.uid !== "string" || v.uid === "") return undefined;
  return { name: v.name, uid: v.uid };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
