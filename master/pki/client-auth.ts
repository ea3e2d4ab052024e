// Client certificate authentication, the way kube-apiserver does it: the TLS handshake asks for a
// certificate but never fails for want of one, and each request then reads the verdict.
//
// How the apiserver uses it:
//
//   const server = https.createServer(apiserverTlsOptions(pki), handler);
//   // in the handler, per request:
//   const auth = verifyClientCertificate(req.socket as TLSSocket);
//   if (auth.ok) user = { name: auth.user, groups: auth.groups };        // authenticated
//   else if (auth.reason === "NoCertificate") try a bearer token next; // anonymous so far
//   else answer 401 Unauthorized with auth.message                     // a bad certificate
//
// `rejectUnauthorized: false` is deliberate: clients without certificates (bearer tokens,
// bootstrap tokens, anonymous health checks) must still complete the handshake. OpenSSL still
// verifies any presented certificate against `ca` and records the result in
// `socket.authorized` / `socket.authorizationError`, which this module reads.

import type { TLSSocket, TlsOptions } from "node:tls";
import type { ClusterPki } from "./types";

const CLIENT_AUTH_OID = "1.3.6.1.5.5.7.3.2";

export type ClientCertificateResult =
  | {
      ok: true;
      /** Subject CN: the Kubernetes user name. */
      user: string;
      /** Subject O values: the Kubernetes groups. */
      groups: string[];
      /** Hex serial number, for audit logs. */
      serialNumber: string;
    }
  | {
      ok: false;
      /**
       * NoCertificate: the client sent none (not an error by itself).
       * Untrusted: not signed by the cluster CA, expired, or otherwise rejected by OpenSSL.
       * NotForClientAuth: its extended key usage excludes client authentication.
       * NoCommonName: it names no user.
       */
      reason: "NoCertificate" | "Untrusted" | "NotForClientAuth" | "NoCommonName";
      message: string;
    };

/** TLS options for an HTTPS server that serves with the apiserver certificate and asks clients for theirs. */
export function apiserverTlsOptions(pki: Pick<ClusterPki, "caCert" | "apiserverCert" | "apiserverKey">): TlsOptions {
  return {
    cert: pki.apiserverCert,
    key: pki.apiserverKey,
    ca: pki.caCert,
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: "TLSv1.2",
  };
}

/**
 * Reads who the peer of `socket` is from its client certificate. The socket must come from a
 * server configured like `apiserverTlsOptions` (requestCert with the cluster CA as `ca`).
 */
export function verifyClientCertificate(socket: TLSSocket): ClientCertificateResult {
  const cert = socket.getPeerCertificate();
  // Without a peer certificate Node returns an empty object.
  if (cert === null || Object.keys(cert).length === 0) {
    return { ok: false, reason: "NoCertificate", message: "the client presented no certificate" };
  }
  const subject = describe(cert.subject?.CN);
  if (!socket.authorized) {
    // Typed as Error, but Node hands over OpenSSL's code as a string ("UNABLE_TO_GET_ISSUER_CERT").
    const error: unknown = socket.authorizationError;
    const why = error instanceof Error ? error.message : String(error ?? "unknown error");
    return { ok: false, reason: "Untrusted", message: `client certificate ${subject} is not trusted: ${why}` };
  }
  const usages = cert.ext_key_usage;
  if (usages !== undefined && !usages.includes(CLIENT_AUTH_OID)) {
    return { ok: false, reason: "NotForClientAuth", message: `client certificate ${subject} is not valid for client authentication` };
  }
  const user = values(cert.subject?.CN)[0];
  if (user === undefined || user === "") {
    return { ok: false, reason: "NoCommonName", message: "client certificate has no common name (CN) to use as the user name" };
  }
  return { ok: true, user, groups: values(cert.subject?.O), serialNumber: cert.serialNumber };
}

// Node reports a repeated subject attribute (several O=) as an array.
function values(field: string | string[] | undefined): string[] {
  if (field === undefined) return [];
  return Array.isArray(field) ? field : [field];
}

function describe(cn: string | string[] | undefined): string {
  const name = values(cn)[0];
  return name === undefined ? "(no CN)" : `CN=${name}`;
}
