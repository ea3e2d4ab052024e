// authorization.k8s.io/v1 access reviews: SelfSubjectAccessReview ("may I?"),
// SubjectAccessReview ("may this user?") and LocalSubjectAccessReview (the same, inside one
// namespace). Reading a review body into what is asked, with kube-apiserver's validation
// (pkg/apis/authorization/validation) and its 422 wording:
//
//   SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes:
//   Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified
//
// Pure: the handler (master/apiserver/access-reviews.ts) asks the authorizer.

import { ApiError, type StatusCause } from "../errors";
import { invalid } from "../validation/field";

export const AUTHORIZATION_GROUP = "authorization.k8s.io";
export const AUTHORIZATION_API_VERSION = `${AUTHORIZATION_GROUP}/v1`;

export type AccessReviewKind = "SelfSubjectAccessReview" | "SubjectAccessReview" | "LocalSubjectAccessReview";

/** spec.resourceAttributes; every field defaults to "" (upstream's zero values). */
export interface ResourceAttributes {
  namespace: string;
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  name: string;
}

export interface NonResourceAttributes {
  path: string;
  verb: string;
}

/** Whom a SubjectAccessReview asks about (absent for the self reviews: the caller). */
export interface ReviewSubject {
  user: string;
  groups: string[];
  uid: string;
  extra: Record<string, string[]>;
}

/** What a review asks: exactly one of the attributes, and the subject for the non-self kinds. */
export type AccessQuestion = ({ resource: ResourceAttributes } | { nonResource: NonResourceAttributes }) & { subject?: ReviewSubject };

/** The answer, as status of the review. `denied` only when an authorizer explicitly denies. */
export interface AccessReviewStatus {
  allowed: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

/** The 422 kube-apiserver answers: `<Kind>.authorization.k8s.io "<name>" is invalid: …`. */
export function invalidReview(kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
  const detail = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(", ");
  return new ApiError(422, "Invalid", `${kind}.${group} "${name}" is invalid: ${detail}`, { name, group, kind, causes });
}

/**
 * Reads and validates an access review body of `kind`. `urlNamespace` is the namespace of a
 * LocalSubjectAccessReview's URL. Throws the Status to answer (400 for a body of another kind
 * or namespace, 422 naming the fields otherwise).
 */
export function readAccessReview(kind: AccessReviewKind, body: Record<string, unknown>, urlNamespace?: string): AccessQuestion {
  if (body.kind !== undefined && body.kind !== kind) throw new ApiError(400, "BadRequest", `the body is a ${String(body.kind)}, not a ${kind}`);
  const meta = isRecord(body.metadata) ? body.metadata : {};
  const metaName = typeof meta.name === "string" ? meta.name : "";
  let metaNamespace = typeof meta.namespace === "string" ? meta.namespace : "";
  if (kind === "LocalSubjectAccessReview") {
    // The generic create handler's rule: an object's namespace, when it names one, is the URL's.
    if (metaNamespace === "") metaNamespace = urlNamespace ?? "";
    else if (metaNamespace !== urlNamespace) {
      throw new ApiError(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
    }
  }
  const spec = isRecord(body.spec) ? body.spec : {};
  const causes: StatusCause[] = [];
  const hasResource = spec.resourceAttributes !== undefined && spec.resourceAttributes !== null;
  const hasNonResource = spec.nonResourceAttributes !== undefined && spec.nonResourceAttributes !== null;
  if (hasResource && hasNonResource) {
    causes.push(invalid("spec.nonResourceAttributes", spec.nonResourceAttributes, "cannot be specified in combination with resourceAttributes"));
  }
  if (!hasResource && !hasNonResource) {
    causes.push(invalid("spec.resourceAttributes", null, "exactly one of nonResourceAttributes or resourceAttributes must be specified"));
  }
  const resource = hasResource ? readStrings(spec.resourceAttributes, "spec.resourceAttributes", ["namespace", "verb", "group", "version", "resource", "subresource", "name"], causes) : undefined;
  const nonResource = hasNonResource ? readStrings(spec.nonResourceAttributes, "spec.nonResourceAttributes", ["path", "verb"], causes) : undefined;

  let subject: ReviewSubject | undefined;
  if (kind !== "SelfSubjectAccessReview") {
    subject = readSubject(spec, causes);
    // Only the namespace may be set in a LocalSubjectAccessReview's metadata; nothing in a SubjectAccessReview's.
    const named = metaName !== "" || (kind === "SubjectAccessReview" && metaNamespace !== "");
    if (named) causes.push(invalid("metadata", { name: metaName, namespace: metaNamespace }, kind === "SubjectAccessReview" ? "must be empty" : "must be empty except for namespace"));
  }
  if (kind === "LocalSubjectAccessReview") {
    if (resource && resource.namespace !== metaNamespace) causes.push(invalid("spec.resourceAttributes.namespace", resource.namespace, "must match metadata.namespace"));
    if (hasNonResource) causes.push(invalid("spec.nonResourceAttributes", spec.nonResourceAttributes, "disallowed on this kind of request"));
  }
  if (causes.length > 0) throw invalidReview(kind, AUTHORIZATION_GROUP, metaName, causes);
  const attributes = resource ? { resource: resource as unknown as ResourceAttributes } : { nonResource: nonResource as unknown as NonResourceAttributes };
  return subject ? { ...attributes, subject } : attributes;
}

function readSubject(spec: Record<string, unknown>, causes: StatusCause[]): ReviewSubject {
  const user = typeof spec.user === "string" ? spec.user : "";
  const groups = stringList(spec.groups, "spec.groups", causes);
  if (user === "" && groups.length === 0) causes.push(invalid("spec.user", user, "at least one of user or group must be specified"));
  const uid = typeof spec.uid === "string" ? spec.uid : "";
  const extra: Record<string, string[]> = {};
  if (isRecord(spec.extra)) {
    for (const [key, values] of Object.entries(spec.extra)) extra[key] = stringList(values, `spec.extra[${key}]`, causes);
  }
  return { user, groups, uid, extra };
}

/** The named string members of an object, "" when absent; a non-string member is a cause. */
function readStrings(value: unknown, path: string, names: string[], causes: StatusCause[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) {
    causes.push(invalid(path, value, "must be an object"));
    return out;
  }
  for (const name of names) {
    const v = value[name];
    if (v === undefined || v === null) out[name] = "";
    else if (typeof v === "string") out[name] = v;
    else causes.push(invalid(`${path}.${name}`, v, "must be a string"));
  }
  return out;
}

function stringList(value: unknown, path: string, causes: StatusCause[]): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as string[];
  causes.push(invalid(path, value, "must be a list of strings"));
  return [];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
