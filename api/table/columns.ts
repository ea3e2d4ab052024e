// Column definitions shared by several kinds. Descriptions are the API field documentation
// Kubernetes puts there (its printers use each field's swagger doc); kubectl does not display
// them, but `kubectl get --raw` and other clients see them.

import type { TableColumnDefinition } from "./types";

export function column(
  name: string,
  type: string,
  description: string,
  opts: { format?: string; priority?: number } = {},
): TableColumnDefinition {
  return { name, type, format: opts.format ?? "", description, priority: opts.priority ?? 0 };
}

/** Shorthand for the `-o wide` columns. */
export function wide(name: string, type: string, description: string): TableColumnDefinition {
  return column(name, type, description, { priority: 1 });
}

export const NAME_DOC =
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

export const CREATION_TIMESTAMP_DOC =
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

export const NAME_COLUMN = column("Name", "string", NAME_DOC, { format: "name" });
export const AGE_COLUMN = column("Age", "string", CREATION_TIMESTAMP_DOC);
export const CONTAINERS_COLUMN = wide("Containers", "string", "Names of each container in the template.");
export const IMAGES_COLUMN = wide("Images", "string", "Images referenced by each container in the template.");
