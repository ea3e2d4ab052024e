// Getting a certificate through the certificates.k8s.io API, as the kubelet does: make a key
// (it never leaves this host), post a CertificateSigningRequest for it, and wait until an
// approver approves it and the signer puts the certificate into status.certificate.

import { createKeyAndCsr, type CsrSubject } from "../../api/certificates/csr-build";
import { answerMessage, type ApiClient } from "../api-client";

const CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests";

export interface CertificateOrder {
  subject: CsrSubject;
  signerName: string;
  usages: string[];
  /** Give up after this long without a certificate. Default 5 minutes. */
  timeoutMs?: number;
  pollMs?: number;
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  /** The CertificateSigningRequest's name. */
  requestName: string;
}

interface CsrView {
  metadata?: { name?: string };
  status?: { certificate?: string; conditions?: { type?: string; status?: string; reason?: string; message?: string }[] };
}

export async function requestCertificate(api: ApiClient, order: CertificateOrder): Promise<IssuedCertificate> {
  const { keyPem, csrPem } = await createKeyAndCsr(order.subject);
  const created = await api.request("POST", CSRS, {
    apiVersion: "certificates.k8s.io/v1",
    kind: "CertificateSigningRequest",
    metadata: { generateName: "csr-" },
    spec: { request: Buffer.from(csrPem).toString("base64"), signerName: order.signerName, usages: order.usages },
  });
  if (created.status !== 201) throw new Error(`creating a certificate signing request for ${order.subject.commonName} failed: ${created.status} ${answerMessage(created)}`);
  const name = (created.body as CsrView).metadata?.name ?? "";
  const deadline = Date.now() + (order.timeoutMs ?? 300_000);
  for (;;) {
    const got = await api.request("GET", `${CSRS}/${encodeURIComponent(name)}`);
    if (got.status !== 200) throw new Error(`reading certificate signing request ${name} failed: ${got.status} ${answerMessage(got)}`);
    const csr = got.body as CsrView;
    const refused = csr.status?.conditions?.find((c) => (c.type === "Denied" || c.type === "Failed") && c.status === "True");
    if (refused) throw new Error(`certificate signing request ${name} was ${refused.type === "Denied" ? "denied" : "not signed"}: ${refused.reason ?? ""} ${refused.message ?? ""}`.trim());
    if (csr.status?.certificate) return { certPem: Buffer.from(csr.status.certificate, "base64").toString("utf8"), keyPem, requestName: name };
    if (Date.now() >= deadline) throw new Error(`certificate signing request ${name} was not approved and signed in time; approve it with \`kubectl certificate approve ${name}\``);
    await new Promise((r) => setTimeout(r, order.pollMs ?? 250));
  }
}
