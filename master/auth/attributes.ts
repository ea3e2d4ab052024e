// What authorization decides on: Kubernetes' authorizer.Attributes, as plain data. The apiserver
// builds them from each request (master/apiserver/request-attributes.ts); the decision functions
// here read nothing else.

import type { User } from "./user";

export interface FieldRequirement {
  field: string;
  value: string;
}

export interface RequestAttributes {
  user: User;
  /** get, list, watch, create, update, patch, delete, deletecollection; for paths, the lower-case HTTP method. */
  verb: string;
  /** false for paths outside the resource API (/healthz, /version, /api, /openapi/v3, ...). */
  resourceRequest: boolean;
  path: string;
  apiGroup: string;
  apiVersion: string;
  /** Plural, e.g. "pods"; "" for non-resource requests. */
  resource: string;
  subresource: string;
  namespace: string;
  /** "" on create and on collections (unless a metadata.name field selector names one object). */
  name: string;
  /** The request's `fieldSelector` equality requirements (list/watch). */
  fieldSelector: FieldRequirement[];
}

export type Decision = { allowed: true } | { allowed: false; reason: string };

export const ALLOW: Decision = { allowed: true };

export function deny(reason = ""): Decision {
  return { allowed: false, reason };
}
