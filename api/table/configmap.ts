// `kubectl get configmaps`: NAME DATA AGE. DATA counts the keys of data and binaryData.

import type { KubeObject } from "../object";
import { AGE_COLUMN, NAME_COLUMN, column } from "./columns";
import { since } from "./format";
import type { KindPrinter, PrintedRow } from "./types";

const columns = [
  NAME_COLUMN,
  column(
    "Data",
    "string",
    "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
  ),
  AGE_COLUMN,
];

function keys(value: unknown): number {
  return typeof value === "object" && value !== null ? Object.keys(value).length : 0;
}

function print(obj: KubeObject, now: Date): PrintedRow {
  return { cells: [obj.metadata.name ?? "", keys(obj.data) + keys(obj.binaryData), since(obj.metadata.creationTimestamp, now)] };
}

export const configMapPrinter: KindPrinter = { columns, print };
