// One error taxonomy for the API: every failure a client can see is an ApiError that renders as a
// Kubernetes `metav1.Status`. Lower layers throw these (or StoreError, translated at the edge).

export type StatusReason =
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Gone"
  | "Expired"
  | "Invalid"
  | "MethodNotAllowed"
  | "NotAcceptable"
  | "RequestEntityTooLarge"
  | "UnsupportedMediaType"
  | "InternalError"
  | "ServiceUnavailable"
  | "Timeout"
  | "TooManyRequests";

export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = "ApiError";
  }

  toStatus(): Status {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      details: this.details,
      code: this.code,
    };
  }

  /** Normalises anything thrown into an ApiError (unknown errors become 500 InternalError). */
  static from(err: unknown): ApiError {
    if (err instanceof ApiError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new ApiError(500, "InternalError", `Internal error occurred: ${message}`);
  }
}

/** `pods "web" not found`, the way Kubernetes names a resource in messages. */
export function qualifiedResource(group: string, plural: string): string {
  return group ? `${plural}.${group}` : plural;
}

export const errors = {
  badRequest: (message: string) => new ApiError(400, "BadRequest", message),
  unauthorized: () => new ApiError(401, "Unauthorized", "Unauthorized"),
  notFound: (group: string, plural: string, name: string) =>
    new ApiError(404, "NotFound", `${qualifiedResource(group, plural)} "${name}" not found`, {
      name,
      group,
      kind: plural,
    }),
  alreadyExists: (group: string, plural: string, name: string) =>
    new ApiError(409, "AlreadyExists", `${qualifiedResource(group, plural)} "${name}" already exists`, {
      name,
      group,
      kind: plural,
    }),
  conflict: (group: string, plural: string, name: string, why: string) =>
    new ApiError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${qualifiedResource(group, plural)} "${name}": ${why}`,
      { name, group, kind: plural },
    ),
  gone: (message: string) => new ApiError(410, "Expired", message),
  /** 422 naming each invalid field, e.g. `Pod "x" is invalid: spec.containers[0].image: Required value`. */
  invalid: (group: string, kind: string, name: string, causes: StatusCause[]) =>
    new ApiError(
      422,
      "Invalid",
      `${kind} "${name}" is invalid: ${causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(", ")}`,
      { name, group, kind, causes },
    ),
  methodNotAllowed: (message: string) => new ApiError(405, "MethodNotAllowed", message),
  notAcceptable: (message: string) => new ApiError(406, "NotAcceptable", message),
  tooLarge: (message: string) => new ApiError(413, "RequestEntityTooLarge", message),
  unsupportedMediaType: (message: string) => new ApiError(415, "UnsupportedMediaType", message),
  internal: (message: string) => new ApiError(500, "InternalError", message),
  unavailable: (message: string) => new ApiError(503, "ServiceUnavailable", message),
};
