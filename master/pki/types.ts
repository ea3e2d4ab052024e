// What the cluster PKI is: a CA and the certificates the master needs, as PEM text. Everything
// here is data; `cluster.ts` creates and loads it, `client-auth.ts` checks peers against it.

/** A certificate and its private key (PKCS#8, ECDSA P-256), both PEM. */
export interface CertKeyPair {
  certPem: string;
  keyPem: string;
}

/** The certificates a master keeps in its PKI directory (`<data-dir>/pki`), as PEM text. */
export interface ClusterPki {
  /** The directory the files live in. */
  dir: string;
  /** The cluster CA, which signs every other certificate: ca.crt / ca.key, valid 10 years. */
  caCert: string;
  caKey: string;
  /** The apiserver's serving certificate: apiserver.crt / apiserver.key, valid 1 year. */
  apiserverCert: string;
  apiserverKey: string;
  /** The cluster admin's client certificate (CN=kubernetes-admin, O=system:masters): admin.crt / admin.key. */
  adminCert: string;
  adminKey: string;
}

/** What signing needs: the CA's certificate and key. */
export type CertificateAuthority = Pick<ClusterPki, "caCert" | "caKey">;

/** Extra names a serving certificate must be valid for, besides the built-in ones. */
export interface ServingNames {
  /** DNS names (e.g. the host's name, a load balancer's name). */
  hostnames: string[];
  /** IPv4 or IPv6 addresses (e.g. the host's address). */
  ips: string[];
}
