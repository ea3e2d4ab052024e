// Test fixture: a CertificateSigningRequest object around a fresh request.

import { createKeyAndCsr, type CsrSubject } from "../../../api/certificates/csr-build";
import type { CsrObject } from "../csr-object";

export interface CsrFixture {
  subject: CsrSubject;
  signerName: string;
  usages: string[];
  username: string;
  groups: string[];
  conditions?: { type: string; status: string }[];
  expirationSeconds?: number;
}

export async function csrObject(name: string, f: CsrFixture): Promise<CsrObject> {
  const { csrPem } = await createKeyAndCsr(f.subject);
  return {
    apiVersion: "certificates.k8s.io/v1",
    kind: "CertificateSigningRequest",
    metadata: { name },
    spec: {
      request: Buffer.from(csrPem).toString("base64"),
      signerName: f.signerName,
      usages: f.usages,
      username: f.username,
      groups: f.groups,
      ...(f.expirationSeconds ? { expirationSeconds: f.expirationSeconds } : {}),
    },
    status: f.conditions ? { conditions: f.conditions } : {},
  };
}

export const NODE_CLIENT = { signerName: "kubernetes.io/kube-apiserver-client-kubelet", usages: ["digital signature", "client auth"] };
export const NODE_SERVING = { signerName: "kubernetes.io/kubelet-serving", usages: ["digital signature", "server auth"] };
export const BOOTSTRAPPER = { username: "system:bootstrap:abcdef", groups: ["system:bootstrappers", "system:authenticated"] };
export const nodeUser = (n: string) => ({ username: `system:node:${n}`, groups: ["system:nodes", "system:authenticated"] });
export const nodeSubject = (n: string, extra: Partial<CsrSubject> = {}): CsrSubject => ({ commonName: `system:node:${n}`, organizations: ["system:nodes"], ...extra });
