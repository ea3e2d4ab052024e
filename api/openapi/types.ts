// The parts of OpenAPI 3.0 that Gantry's documents use, plus the Kubernetes vendor extensions
// kubectl reads (see kubernetes/api/openapi-spec/README.md for their meaning).

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface Schema {
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  description?: string;
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  format?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  default?: unknown;
  enum?: unknown[];
  "x-kubernetes-group-version-kind"?: GroupVersionKind[];
  /** Comma-separated: "merge", "retainKeys", "merge,retainKeys". */
  "x-kubernetes-patch-strategy"?: string;
  "x-kubernetes-patch-merge-key"?: string;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: "atomic" | "granular";
}

export interface Parameter {
  name: string;
  in: "path" | "query";
  description?: string;
  required?: boolean;
  uniqueItems?: boolean;
  schema: Schema;
}

export interface MediaTypes {
  [contentType: string]: { schema: Schema };
}

export interface Operation {
  tags: string[];
  description: string;
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: MediaTypes; required: boolean };
  responses: Record<string, { description: string; content?: MediaTypes }>;
  "x-kubernetes-action": string;
  "x-kubernetes-group-version-kind": GroupVersionKind;
}

export interface PathItem {
  parameters?: Parameter[];
  get?: Operation;
  put?: Operation;
  post?: Operation;
  patch?: Operation;
  delete?: Operation;
}

export interface OpenApiDocument {
  openapi: "3.0.0";
  info: { title: string; version: string };
  paths: Record<string, PathItem>;
  components: { schemas: Record<string, Schema> };
}

/** `GET /openapi/v3`: where each group-version document lives, with its content hash. */
export interface OpenApiRoot {
  paths: Record<string, { serverRelativeURL: string }>;
}

export const SCHEMA_REF_PREFIX = "#/components/schemas/";
