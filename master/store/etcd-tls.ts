// etcd over TLS (kubeadm's layout, master/pki/README.md "The etcd PKI"): the member serves
// clients and peers only over TLS and asks every client and peer for a certificate signed by the
// etcd CA (--client-cert-auth, --peer-client-cert-auth). Two shapes of the same credentials:
// file paths for etcd's own flags, PEM text for our clients (the store, the health probe,
// maintenance and membership calls).

import type { IOptions } from "etcd3";
import path from "node:path";
import { certPath, keyPath, readPair } from "../pki/files";
import type { EtcdPki } from "../pki/etcd";

/** The files etcd's TLS flags name. */
export interface EtcdTlsFiles {
  /** The etcd CA: clients and peers must present a certificate it signed. */
  trustedCaFile: string;
  /** Served to clients. */
  certFile: string;
  keyFile: string;
  /** Served to, and presented at, the other members. */
  peerCertFile: string;
  peerKeyFile: string;
}

/** What a client needs: the etcd CA to check the member, and its own certificate and key. */
export interface EtcdClientTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** The etcd flags' files of the PKI in `<pkiDir>/etcd` (ensureEtcdPki writes them). */
export function etcdTlsFiles(pkiDir: string): EtcdTlsFiles {
  const dir = path.join(pkiDir, "etcd");
  return {
    trustedCaFile: certPath(dir, "ca"),
    certFile: certPath(dir, "server"),
    keyFile: keyPath(dir, "server"),
    peerCertFile: certPath(dir, "peer"),
    peerKeyFile: keyPath(dir, "peer"),
  };
}

/** The API's client credentials (`apiserver-etcd-client`), used by the store and the leader's maintenance. */
export function apiserverEtcdClient(pki: EtcdPki): EtcdClientTls {
  return { caPem: pki.ca.certPem, certPem: pki.apiserverClient.certPem, keyPem: pki.apiserverClient.keyPem };
}

/** The health probe's credentials (`etcd/healthcheck-client`). */
export function healthcheckClient(pki: EtcdPki): EtcdClientTls {
  return { caPem: pki.ca.certPem, certPem: pki.healthcheckClient.certPem, keyPem: pki.healthcheckClient.keyPem };
}

/** The `credentials` option of the etcd3 client; none without TLS. */
export function etcd3Credentials(tls: EtcdClientTls | undefined): IOptions["credentials"] {
  if (!tls) return undefined;
  return { rootCertificate: Buffer.from(tls.caPem), certChain: Buffer.from(tls.certPem), privateKey: Buffer.from(tls.keyPem) };
}

/** The API's etcd client credentials from a master's PKI directory, as they are (nothing issued); for the CLI on a master host. */
export async function readApiserverEtcdClient(pkiDir: string): Promise<EtcdClientTls> {
  const ca = await readPair(path.join(pkiDir, "etcd"), "ca");
  const client = await readPair(pkiDir, "apiserver-etcd-client");
  if (ca.state !== "present" || client.state !== "present") {
    throw new Error(`${pkiDir} has no etcd CA and apiserver-etcd-client certificate; is it a master's PKI directory (and has that master started)?`);
  }
  return { caPem: ca.pair.certPem, certPem: client.pair.certPem, keyPem: client.pair.keyPem };
}
