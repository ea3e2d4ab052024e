// `kubectl get csr`: NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION, the condition
// summarised as Kubernetes does: Denied, else Approved, else Pending; then ",Failed" and ",Issued".

import type { CertificateSigningRequest } from "kubernetes-types/certificates/v1";
import type { KubeObject } from "../object";
import { AGE_COLUMN, NAME_COLUMN, column } from "./columns";
import { humanDuration } from "./duration";
import { since } from "./format";
import type { KindPrinter, PrintedRow } from "./types";

const columns = [
  NAME_COLUMN,
  AGE_COLUMN,
  column("SignerName", "string", "signerName indicates the requested signer, and is a qualified name."),
  column("Requestor", "string", "username contains the name of the user that created the CertificateSigningRequest. Populated by the API server on creation and immutable."),
  column("RequestedDuration", "string", "expirationSeconds is the requested duration of validity of the issued certificate."),
  column("Condition", "string", 'conditions applied to the request. Known conditions are "Approved", "Denied", and "Failed".'),
];

/** "Approved,Issued", "Pending", "Denied", "Approved,Failed", ... */
export function csrCondition(csr: CertificateSigningRequest): string {
  const has = (type: string) => (csr.status?.conditions ?? []).some((c) => c.type === type && c.status !== "False");
  let text = has("Denied") ? "Denied" : has("Approved") ? "Approved" : "Pending";
  if (has("Failed")) text += ",Failed";
  if (csr.status?.certificate) text += ",Issued";
  return text;
}

function print(obj: KubeObject, now: Date): PrintedRow {
  const csr = obj as unknown as CertificateSigningRequest;
  const seconds = csr.spec?.expirationSeconds;
  return {
    cells: [
      obj.metadata.name ?? "",
      since(obj.metadata.creationTimestamp, now),
      csr.spec?.signerName || "<none>",
      csr.spec?.username ?? "",
      typeof seconds === "number" ? humanDuration(seconds * 1000) : "<none>",
      csrCondition(csr),
    ],
  };
}

export const csrPrinter: KindPrinter = { columns, print };
