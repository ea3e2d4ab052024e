// The CertificateSigningRequest as the approver and signer read it: its spec, its conditions,
// and the PKCS#10 request inside, parsed once.

import type { CertificateSigningRequest } from "kubernetes-types/certificates/v1";
import { parseCsrRequest, type ParsedCsr } from "../../api/certificates/csr";
import type { KubeObject } from "../../api/object";

export type CsrObject = KubeObject & Pick<CertificateSigningRequest, "spec" | "status">;

export function hasCondition(csr: CsrObject, type: string): boolean {
  return (csr.status?.conditions ?? []).some((c) => c.type === type && c.status === "True");
}

/** Approved or denied already: an approver has nothing to add. */
export function isDecided(csr: CsrObject): boolean {
  return hasCondition(csr, "Approved") || hasCondition(csr, "Denied");
}

/** The parsed request, or undefined when it does not parse (validation makes that rare). */
export function parsedRequest(csr: CsrObject): ParsedCsr | undefined {
  try {
    return parseCsrRequest(csr.spec?.request ?? "");
  } catch {
    return undefined;
  }
}
