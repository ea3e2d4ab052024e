// `kubectl get secrets`: NAME TYPE DATA AGE.

import type { KubeObject } from "../object";
import { AGE_COLUMN, NAME_COLUMN, column } from "./columns";
import { since } from "./format";
import type { KindPrinter, PrintedRow } from "./types";

const columns = [
  NAME_COLUMN,
  column(
    "Type",
    "string",
    "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types",
  ),
  column(
    "Data",
    "string",
    "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
  ),
  AGE_COLUMN,
];

function print(obj: KubeObject, now: Date): PrintedRow {
  const data = typeof obj.data === "object" && obj.data !== null ? Object.keys(obj.data).length : 0;
  // type defaults to Opaque, as when Kubernetes decodes a stored Secret.
  const type = typeof obj.type === "string" && obj.type !== "" ? obj.type : "Opaque";
  return { cells: [obj.metadata.name ?? "", type, data, since(obj.metadata.creationTimestamp, now)] };
}

export const secretPrinter: KindPrinter = { columns, print };
