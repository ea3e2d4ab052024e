// The meta.k8s.io/v1 Table wire format, and the contract every per-kind printer fills.
//
// A printer is a column list plus a function from one object to its cells. The server always
// prints every column (Kubernetes' server side runs its printers with Wide=true); kubectl hides
// the `priority: 1` ones unless it was given `-o wide`. So `cells` always has one entry per column.

import type { KubeObject } from "../object";

export type TableCell = string | number | boolean;

export interface TableColumnDefinition {
  name: string;
  /** An OpenAPI type: "string", "integer", "number", "boolean", or "date". */
  type: string;
  /** "name" marks the column holding the object's name; otherwise "". */
  format: string;
  description: string;
  /** 0 = always shown; 1 = shown by `kubectl get -o wide` only. */
  priority: number;
}

/** Tells kubectl a row describes something finished (a Succeeded or Failed pod). */
export interface TableRowCondition {
  type: "Completed";
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
}

export interface TableRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
  /** PartialObjectMetadata, the full object, or null: see `IncludeObject`. */
  object: unknown;
}

export interface TableListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface Table {
  kind: "Table";
  apiVersion: string;
  metadata: TableListMeta;
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** What one object contributes to a Table, before the row's `object` is attached. */
export interface PrintedRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
}

export interface KindPrinter {
  readonly columns: readonly TableColumnDefinition[];
  /** `now` stands in for the clock: AGE and every other "how long ago" cell is measured from it. */
  print(obj: KubeObject, now: Date): PrintedRow;
}
