// The etcd PKI, kubeadm's layout: a CA of its own in `<pki>/etcd`, so a certificate for the
// cluster API is no credential on etcd and the other way round.
//
//   etcd/ca.crt, etcd/ca.key                 CN=etcd-ca, 10 years
//   etcd/server.crt, etcd/server.key         CN=<member name>; serverAuth+clientAuth; SANs below
//   etcd/peer.crt, etcd/peer.key             CN=<member name>; serverAuth+clientAuth; SANs below
//   etcd/healthcheck-client.crt/.key         CN=kube-etcd-healthcheck-client; clientAuth
//   apiserver-etcd-client.crt/.key           CN=kube-apiserver-etcd-client; clientAuth (in <pki>)
//
// Server and peer SANs: localhost, 127.0.0.1, ::1, the member name, and the member's hostnames
// and IPs. Same reuse rules as the cluster PKI (ensure.ts). This file only issues the files;
// wiring etcd's TLS flags and the store's client is the etcd TLS work (JOIN-PLAN.md).

import { isIP } from "node:net";
import path from "node:path";
import type { CertificateRequest } from "./certs";
import { ensureCa, ensureLeaf } from "./ensure";
import { ensureDir } from "./files";
import type { CertKeyPair, ServingNames } from "./types";

export const ETCD_CA_COMMON_NAME = "etcd-ca";
export const APISERVER_ETCD_CLIENT = "kube-apiserver-etcd-client";
export const ETCD_HEALTHCHECK_CLIENT = "kube-etcd-healthcheck-client";

export interface EtcdPki {
  /** `<pki>/etcd`. */
  dir: string;
  ca: CertKeyPair;
  server: CertKeyPair;
  peer: CertKeyPair;
  healthcheckClient: CertKeyPair;
  /** The API's client certificate for etcd (`<pki>/apiserver-etcd-client.*`). */
  apiserverClient: CertKeyPair;
}

export interface EtcdMember {
  /** The member name (etcd --name), also the server and peer certificates' CN. */
  name: string;
  /** Addresses clients and peers reach this member at. */
  names: ServingNames;
}

/** Loads or creates the etcd CA and this member's certificates under `pkiDir`. Safe on every start. */
export async function ensureEtcdPki(pkiDir: string, member: EtcdMember, now = new Date()): Promise<EtcdPki> {
  const dir = path.join(pkiDir, "etcd");
  await ensureDir(pkiDir);
  await ensureDir(dir);
  const ca = await ensureCa(dir, ETCD_CA_COMMON_NAME, now, "etcd");
  const dnsNames = ["localhost", member.name, ...member.names.hostnames.filter((h) => isIP(h) === 0)];
  const ipAddresses = ["127.0.0.1", "::1", ...member.names.ips, ...member.names.hostnames.filter((h) => isIP(h) !== 0)];
  const serving = (): CertificateRequest => ({ commonName: member.name, dnsNames: [...new Set(dnsNames)], ipAddresses: [...new Set(ipAddresses)], usages: ["server", "client"], now });
  const client = (commonName: string): CertificateRequest => ({ commonName, usages: ["client"], now });
  return {
    dir,
    ca,
    server: await ensureLeaf(dir, "server", ca, serving(), now),
    peer: await ensureLeaf(dir, "peer", ca, serving(), now),
    healthcheckClient: await ensureLeaf(dir, "healthcheck-client", ca, client(ETCD_HEALTHCHECK_CLIENT), now),
    apiserverClient: await ensureLeaf(pkiDir, "apiserver-etcd-client", ca, client(APISERVER_ETCD_CLIENT), now),
  };
}
