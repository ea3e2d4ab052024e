// The parts of Swagger 2.0 (OpenAPI v2) that Gantry's /openapi/v2 document uses, with the
// Kubernetes vendor extensions. Older clients read this document instead of the v3 ones:
// kubectl before 1.27 for apply, explain and diff, and kubectl 1.32 to validate a `kind: List`
// file. It is derived from the v3 documents (to-swagger.ts), never written separately.

import type { GroupVersionKind, Schema } from "./types";

/**
 * A v2 schema: the v3 Schema's fields and Kubernetes extensions, but `$ref` points into
 * `#/definitions/` and there is no `allOf`/`oneOf` wrapping.
 */
export type SwaggerSchema = Omit<Schema, "allOf" | "oneOf" | "properties" | "additionalProperties" | "items"> & {
  properties?: Record<string, SwaggerSchema>;
  additionalProperties?: SwaggerSchema | boolean;
  items?: SwaggerSchema;
};

/** A query or path parameter: its type sits on the parameter itself in v2. */
export interface SwaggerNonBodyParameter {
  name: string;
  in: "query" | "path";
  description?: string;
  required?: boolean;
  uniqueItems?: boolean;
  type: "string" | "integer" | "boolean";
}

export interface SwaggerBodyParameter {
  name: "body";
  in: "body";
  required: boolean;
  schema: SwaggerSchema;
}

export type SwaggerParameter = SwaggerNonBodyParameter | SwaggerBodyParameter;

export interface SwaggerResponse {
  description: string;
  schema?: SwaggerSchema;
}

export interface SwaggerOperation {
  tags: string[];
  description: string;
  operationId: string;
  consumes?: string[];
  produces?: string[];
  parameters?: SwaggerParameter[];
  responses: Record<string, SwaggerResponse>;
  "x-kubernetes-action": string;
  "x-kubernetes-group-version-kind": GroupVersionKind;
}

export interface SwaggerPathItem {
  parameters?: SwaggerNonBodyParameter[];
  get?: SwaggerOperation;
  put?: SwaggerOperation;
  post?: SwaggerOperation;
  patch?: SwaggerOperation;
  delete?: SwaggerOperation;
}

export interface SwaggerDocument {
  swagger: "2.0";
  info: { title: string; version: string };
  paths: Record<string, SwaggerPathItem>;
  definitions: Record<string, SwaggerSchema>;
}

export const DEFINITION_REF_PREFIX = "#/definitions/";
