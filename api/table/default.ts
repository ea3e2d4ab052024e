// Kinds without a printer of their own get what Kubernetes' default table convertor gives:
// NAME and CREATED AT, the creation time as an RFC 3339 UTC timestamp (kubectl shows it as is).

import type { KubeObject } from "../object";
import { CREATION_TIMESTAMP_DOC, NAME_COLUMN, column } from "./columns";
import { parseTime } from "./format";
import type { KindPrinter, PrintedRow } from "./types";

export const CREATED_AT_COLUMN = column("Created At", "date", CREATION_TIMESTAMP_DOC);
const columns = [NAME_COLUMN, CREATED_AT_COLUMN];

/** Go's time.RFC3339 of a UTC time: whole seconds, `Z`; the zero time when unset. */
export function rfc3339(timestamp: unknown): string {
  const ms = parseTime(timestamp);
  if (ms === undefined) return "0001-01-01T00:00:00Z";
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

// `now` is unused: this table shows absolute times, not ages.
function print(obj: KubeObject, _now: Date): PrintedRow {
  return { cells: [obj.metadata.name ?? "", rfc3339(obj.metadata.creationTimestamp)] };
}

export const defaultPrinter: KindPrinter = { columns, print };
