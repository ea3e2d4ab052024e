// How a request asks for a Table: the Accept header and the `includeObject` query parameter.
//
// kubectl 1.32 sends
//   Accept: application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json
// Negotiation follows the Kubernetes apiserver: media ranges are ordered by q (then concrete
// types before wildcards, otherwise as written) and the first one the server can serve wins.
// A range with `as=Table` is servable only as JSON or YAML and only with g=meta.k8s.io and
// v=v1 or v1beta1; any other `as=` range is not a Table, so it never makes the answer one.

import { parseAccept, rangeMatches, type MediaRange } from "../accept";
import { errors } from "../errors";

export type IncludeObject = "None" | "Metadata" | "Object";
export type TableVersion = "v1" | "v1beta1";

/** Media types the API server encodes: a range must match one of these to be served. */
const SERVED: readonly [string, string][] = [
  ["application", "json"],
  ["application", "yaml"],
  ["application", "vnd.kubernetes.protobuf"],
];

type Outcome = { table: TableVersion } | { table: undefined };

/** What serving `range` as `[type, subtype]` gives, or undefined if it cannot be served so. */
function serve(range: MediaRange, [type, subtype]: [string, string]): Outcome | undefined {
  if (!rangeMatches(range, type, subtype)) return undefined;
  const as = range.params.get("as");
  const group = range.params.get("g");
  const version = range.params.get("v");
  if (as === undefined && group === undefined && version === undefined) return { table: undefined };
  if (group !== "meta.k8s.io" || (version !== "v1" && version !== "v1beta1")) return undefined;
  if (as === "Table") return subtype === "json" || subtype === "yaml" ? { table: version } : undefined;
  if (as === "PartialObjectMetadata" || as === "PartialObjectMetadataList") return { table: undefined };
  return undefined;
}

/**
 * The Table version the client asked for ("v1" or "v1beta1"), or undefined when the best
 * acceptable answer is not a Table (plain objects, or nothing acceptable at all).
 * An absent or empty Accept header means plain JSON.
 */
export function tableVersion(accept: string | undefined): TableVersion | undefined {
  if (!accept) return undefined;
  // Only a range with as=Table makes the answer a Table; most requests do not ask for one.
  if (!accept.includes("Table")) return undefined;
  for (const range of parseAccept(accept)) {
    for (const served of SERVED) {
      const outcome = serve(range, served);
      if (outcome) return outcome.table;
    }
  }
  return undefined;
}

/** True when the response should be a meta.k8s.io Table. */
export function wantsTable(accept: string | undefined): boolean {
  return tableVersion(accept) !== undefined;
}

/**
 * The `includeObject` query parameter: what each row's `object` holds. Metadata (a
 * PartialObjectMetadata) when absent or empty, as in Kubernetes; 400 for anything unknown.
 */
export function parseIncludeObject(query: URLSearchParams | Record<string, string | string[] | undefined>): IncludeObject {
  const raw = query instanceof URLSearchParams ? query.get("includeObject") : query.includeObject;
  const value = Array.isArray(raw) ? raw[0] : raw;
  switch (value) {
    case undefined:
    case null:
    case "":
    case "Metadata":
      return "Metadata";
    case "None":
    case "Object":
      return value;
    default:
      throw errors.badRequest(`unrecognized includeObject value: ${JSON.stringify(value)}`);
  }
}
