// authentication.k8s.io/v1 TokenRequest, the body of `POST .../serviceaccounts/<name>/token`
// (`kubectl create token`): defaults and the checks kube-apiserver makes before it looks anything
// up (pkg/registry/core/serviceaccount/storage/token.go, pkg/apis/authentication/validation):
//
//   - metadata.name / metadata.namespace, when given, must be the account's;
//   - spec.audiences defaults to the API's audiences;
//   - spec.expirationSeconds defaults to 3600, at least 600 ("may not specify a duration less
//     than 10 minutes"), at most 2^32; above the server's maximum it is shortened, with a warning;
//   - spec.boundObjectRef, when given, names a v1 Pod or Secret (a Node is not supported here).
//
// Pure: the handler (master/apiserver/token-request.ts) resolves the account and bound object.

import { ApiError, type StatusCause } from "../errors";

export const TOKEN_REQUEST_GROUP = "authentication.k8s.io";
export const TOKEN_REQUEST_API_VERSION = `${TOKEN_REQUEST_GROUP}/v1`;
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
export const MIN_TOKEN_EXPIRATION_SECONDS = 600;
const MAX_TOKEN_EXPIRATION_SECONDS = 2 ** 32;

export interface BoundObjectRef {
  kind: "Pod" | "Secret";
  apiVersion: string;
  name: string;
  uid?: string;
}

export interface TokenRequestSpec {
  audiences: string[];
  expirationSeconds: number;
  boundObjectRef?: BoundObjectRef;
  /** Set when the request asked for more than the server's maximum. */
  warning?: string;
}

export interface TokenRequestPolicy {
  /** The API's audiences (default for an empty spec.audiences). */
  apiAudiences: string[];
  /** `--service-account-max-token-expiration`; 0 or undefined: no maximum. */
  maxExpirationSeconds?: number;
}

/** The 422 kube-apiserver answers: `TokenRequest.authentication.k8s.io "<name>" is invalid: …`. */
export function invalidTokenRequest(name: string, causes: StatusCause[]): ApiError {
  const detail = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(", ");
  return new ApiError(422, "Invalid", `TokenRequest.${TOKEN_REQUEST_GROUP} "${name}" is invalid: ${detail}`, { name, group: TOKEN_REQUEST_GROUP, kind: "TokenRequest", causes });
}

/** Checks the body against the URL's account and the policy; throws the Status to answer. */
export function readTokenRequest(body: Record<string, unknown>, account: { namespace: string; name: string }, policy: TokenRequestPolicy): TokenRequestSpec {
  if (body.kind !== undefined && body.kind !== "TokenRequest") throw new ApiError(400, "BadRequest", `the body is a ${String(body.kind)}, not a TokenRequest`);
  const meta = isRecord(body.metadata) ? body.metadata : {};
  if (typeof meta.name === "string" && meta.name !== "" && meta.name !== account.name) {
    throw invalidTokenRequest(account.name, [{ reason: "FieldValueInvalid", field: "metadata.name", message: `Invalid value: ${JSON.stringify(meta.name)}: must match the service account name if specified` }]);
  }
  if (typeof meta.namespace === "string" && meta.namespace !== "" && meta.namespace !== account.namespace) {
    throw invalidTokenRequest(account.name, [{ reason: "FieldValueInvalid", field: "metadata.namespace", message: `Invalid value: ${JSON.stringify(meta.namespace)}: must match the service account namespace if specified` }]);
  }
  const spec = isRecord(body.spec) ? body.spec : {};
  const causes: StatusCause[] = [];

  let audiences = policy.apiAudiences;
  if (spec.audiences !== undefined && spec.audiences !== null) {
    if (!Array.isArray(spec.audiences) || spec.audiences.some((a) => typeof a !== "string")) {
      causes.push({ reason: "FieldValueInvalid", field: "spec.audiences", message: "Invalid value: must be a list of strings" });
    } else if (spec.audiences.length > 0) {
      audiences = spec.audiences as string[];
    }
  }

  const seconds = spec.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
  let expirationSeconds = DEFAULT_TOKEN_EXPIRATION_SECONDS;
  if (typeof seconds !== "number" || !Number.isInteger(seconds)) {
    causes.push({ reason: "FieldValueInvalid", field: "spec.expirationSeconds", message: `Invalid value: ${JSON.stringify(seconds)}: must be a whole number of seconds` });
  } else if (seconds < MIN_TOKEN_EXPIRATION_SECONDS) {
    causes.push({ reason: "FieldValueInvalid", field: "spec.expirationSeconds", message: `Invalid value: ${seconds}: may not specify a duration less than 10 minutes` });
  } else if (seconds > MAX_TOKEN_EXPIRATION_SECONDS) {
    causes.push({ reason: "FieldValueInvalid", field: "spec.expirationSeconds", message: `Invalid value: ${seconds}: may not specify a duration larger than 2^32 seconds` });
  } else {
    expirationSeconds = seconds;
  }

  const boundObjectRef = readBoundObjectRef(spec.boundObjectRef, causes);
  if (causes.length > 0) throw invalidTokenRequest("", causes);

  const out: TokenRequestSpec = { audiences: [...audiences], expirationSeconds, ...(boundObjectRef ? { boundObjectRef } : {}) };
  const max = policy.maxExpirationSeconds ?? 0;
  if (max > 0 && out.expirationSeconds > max) {
    out.warning = `requested expiration of ${out.expirationSeconds} seconds shortened to ${max} seconds`;
    out.expirationSeconds = max;
  }
  return out;
}

function readBoundObjectRef(value: unknown, causes: StatusCause[]): BoundObjectRef | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    causes.push({ reason: "FieldValueInvalid", field: "spec.boundObjectRef", message: "Invalid value: must be an object" });
    return undefined;
  }
  const kind = typeof value.kind === "string" ? value.kind : "";
  const apiVersion = typeof value.apiVersion === "string" ? value.apiVersion : "";
  if (apiVersion !== "v1" || (kind !== "Pod" && kind !== "Secret")) {
    // upstream's wording, with the GroupVersionKind printed as Go prints it
    const slash = apiVersion.lastIndexOf("/");
    const gv = slash < 0 ? `/${apiVersion}` : `${apiVersion.slice(0, slash)}/${apiVersion.slice(slash + 1)}`;
    throw new ApiError(400, "BadRequest", `cannot bind token to object of type ${gv}, Kind=${kind}`);
  }
  const name = typeof value.name === "string" ? value.name : "";
  if (name === "") {
    causes.push({ reason: "FieldValueRequired", field: "spec.boundObjectRef.name", message: "Required value" });
    return undefined;
  }
  const uid = typeof value.uid === "string" && value.uid !== "" ? value.uid : undefined;
  return { kind, apiVersion, name, ...(uid ? { uid } : {}) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
