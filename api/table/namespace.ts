// `kubectl get namespaces`: NAME STATUS AGE.

import type { KubeObject } from "../object";
import { AGE_COLUMN, NAME_COLUMN, column } from "./columns";
import { since } from "./format";
import type { KindPrinter, PrintedRow } from "./types";

const columns = [NAME_COLUMN, column("Status", "string", "The status of the namespace"), AGE_COLUMN];

function print(obj: KubeObject, now: Date): PrintedRow {
  const status = (obj.status ?? {}) as { phase?: string };
  // status.phase defaults to Active, as when Kubernetes decodes a stored Namespace.
  return { cells: [obj.metadata.name ?? "", status.phase || "Active", since(obj.metadata.creationTimestamp, now)] };
}

export const namespacePrinter: KindPrinter = { columns, print };
