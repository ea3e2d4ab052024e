// `kubectl get serviceaccounts`: NAME SECRETS AGE.

import type { KubeObject } from "../object";
import { AGE_COLUMN, NAME_COLUMN, column } from "./columns";
import { since } from "./format";
import type { KindPrinter, PrintedRow } from "./types";

const columns = [
  NAME_COLUMN,
  column(
    "Secrets",
    "string",
    'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a "kubernetes.io/enforce-mountable-secrets" annotation set to "true". This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret',
  ),
  AGE_COLUMN,
];

function print(obj: KubeObject, now: Date): PrintedRow {
  const secrets = Array.isArray(obj.secrets) ? obj.secrets.length : 0;
  return { cells: [obj.metadata.name ?? "", secrets, since(obj.metadata.creationTimestamp, now)] };
}

export const serviceAccountPrinter: KindPrinter = { columns, print };
