// What the signer issues (kube-controller-manager's csrsigning for the kubernetes.io signers it
// serves): approved, undenied, unfailed requests without a certificate, for
//
//   kube-apiserver-client-kubelet  — only kubelet client requests (api/certificates/csr.ts)
//   kubelet-serving                — only kubelet serving requests
//   kube-apiserver-client          — any client certificate (client usages only), which needs
//                                    an explicit approval since nothing auto-approves it
//
// A request for one of these signers that breaks its rules gets a Failed condition; requests for
// other signers are someone else's. Validity: the shorter of spec.expirationSeconds and the
// cluster's signing duration, never past the CA's own end. Certificates of 8 hours or more are
// backdated 5 minutes against clock skew; shorter ones start now (upstream's rule), so a
// rotation schedule computed from notBefore..notAfter stays proportionate.

import { SIGNER_APISERVER_CLIENT, SIGNER_KUBELET_CLIENT, SIGNER_KUBELET_SERVING, extendedUsages, kubeletClientProblem, kubeletServingProblem, type ParsedCsr } from "../../api/certificates/csr";
import { hasCondition, parsedRequest, type CsrObject } from "./csr-object";

export const DEFAULT_SIGNING_DURATION_SECONDS = 365 * 24 * 3600;
const BACKDATE_MS = 5 * 60 * 1000;
const SHORT_MS = 8 * 3600 * 1000;
const API_CLIENT_USAGES = ["digital signature", "key encipherment", "client auth"];

export interface SignOrder {
  parsed: ParsedCsr;
  usages: ("server" | "client")[];
  notBefore: Date;
  notAfter: Date;
}

export type SigningPlan = { sign: SignOrder } | { fail: { reason: string; message: string } } | undefined;

export function signingPlan(csr: CsrObject, now: Date, maxDurationSeconds: number, caNotAfter: Date): SigningPlan {
  const signer = csr.spec?.signerName;
  if (signer !== SIGNER_KUBELET_CLIENT && signer !== SIGNER_KUBELET_SERVING && signer !== SIGNER_APISERVER_CLIENT) return undefined;
  if (!hasCondition(csr, "Approved") || hasCondition(csr, "Denied") || hasCondition(csr, "Failed") || csr.status?.certificate) return undefined;
  const parsed = parsedRequest(csr);
  if (!parsed) return { fail: { reason: "SignerValidationFailure", message: "the request does not parse as a PKCS#10 certificate request" } };
  const usages = csr.spec?.usages ?? [];
  let problem: string | undefined;
  if (signer === SIGNER_KUBELET_CLIENT) problem = kubeletClientProblem(parsed, usages);
  else if (signer === SIGNER_KUBELET_SERVING) problem = kubeletServingProblem(parsed, usages);
  else if (!usages.every((u) => API_CLIENT_USAGES.includes(u)) || !usages.includes("client auth")) problem = `invalid usage for client certificate: ${usages.join(", ")}`;
  if (problem) return { fail: { reason: "SignerValidationFailure", message: problem } };
  const requested = csr.spec?.expirationSeconds;
  const ttlMs = Math.min(maxDurationSeconds, typeof requested === "number" ? requested : Infinity) * 1000;
  const notBefore = new Date(now.getTime() - (ttlMs >= SHORT_MS ? BACKDATE_MS : 0));
  const notAfter = new Date(Math.min(now.getTime() + ttlMs, caNotAfter.getTime()));
  return { sign: { parsed, usages: extendedUsages(usages), notBefore, notAfter } };
}
