// Client certificates for people (`gantry kubeconfig --user alice --group devs`): CN = the user,
// one O per group, signed by the cluster CA, so the API authenticates them like any certificate
// (master/auth/authenticate.ts) and authorization decides what they may do. Valid for the asked
// duration, but never beyond the CA's own expiry (a certificate outliving its issuer is refused
// anyway). system:masters is refused unless asked for explicitly: that group bypasses
// authorization, and a kubeconfig handed to someone should not silently be an admin one.

import { X509Certificate } from "node:crypto";
import { issueCertificate } from "./certs";
import { ADMIN_GROUP } from "./cluster";
import type { CertKeyPair } from "./types";

export const DEFAULT_USER_CERT_VALIDITY_MS = 365 * 24 * 60 * 60 * 1000;

export interface UserCertificateRequest {
  user: string;
  groups: string[];
  /** How long the certificate is valid; default one year. */
  validityMs?: number;
  /** Issue a certificate in system:masters (a cluster admin). */
  allowMasters?: boolean;
  now?: Date;
}

/** A key and a certificate for `req.user`, signed by `ca`; throws with what to change for a refused request. */
export async function issueUserCertificate(ca: CertKeyPair, req: UserCertificateRequest): Promise<CertKeyPair & { notAfter: Date }> {
  if (req.user.trim() === "") throw new Error("--user must name the user (the certificate's CN)");
  const empty = req.groups.find((g) => g.trim() === "");
  if (empty !== undefined) throw new Error("--group must not be empty");
  if (req.groups.includes(ADMIN_GROUP) && !req.allowMasters) {
    throw new Error(`group ${ADMIN_GROUP} bypasses all authorization (a cluster admin); pass --allow-masters if that is what you mean`);
  }
  const validityMs = req.validityMs ?? DEFAULT_USER_CERT_VALIDITY_MS;
  if (!(validityMs > 0)) throw new Error("--expiration must be a positive duration, e.g. 720h");
  const now = req.now ?? new Date();
  const caExpiry = new Date(new X509Certificate(ca.certPem).validTo);
  if (caExpiry.getTime() <= now.getTime()) throw new Error(`the cluster CA expired on ${caExpiry.toISOString()}`);
  const notAfter = new Date(Math.min(now.getTime() + validityMs, caExpiry.getTime()));
  const pair = await issueCertificate(ca, { commonName: req.user, organizations: [...new Set(req.groups)], usages: ["client"], now, notAfter });
  return { ...pair, notAfter };
}
