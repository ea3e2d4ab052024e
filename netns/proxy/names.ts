// Names of the per-service objects in the `ip gantry` table. Deterministic: the same service
// port (or endpoint) always gets the same chain name, so a partial sync can rewrite exactly the
// chains of the services that changed and a restarted agent recognises nothing by accident
// (it replaces the whole table on its first sync anyway).
//
// Shape (the idea is kube-proxy's): <prefix><HASH>-<namespace>/<name>/<protocol>/<port name>
// and, for endpoints, ...__<ip>/<port>. The hash (8 base32 characters of SHA-256 over the rest)
// keeps names that differ in one digit visually apart and unique even if the end had to be cut.
// "/" cannot occur in Kubernetes names, so it separates the parts unambiguously; nft accepts
// [A-Za-z0-9_./-] in unquoted names after a leading letter.

import { createHash } from "node:crypto";

/** nft's limit is 256 bytes; leave room for the longest prefix. */
const MAX_BASE = 230;
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32(bytes: Buffer, chars: number): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= chars) break;
  }
  return out;
}

function hashed(name: string): string {
  const full = `${base32(createHash("sha256").update(name).digest(), 8)}-${name}`;
  return full.length > MAX_BASE ? `${full.slice(0, MAX_BASE - 3)}...` : full;
}

export interface ServicePortName {
  namespace: string;
  name: string;
  /** Lower case: tcp, udp, sctp. */
  protocol: string;
  /** The service port's name ("" for a single unnamed port). */
  port: string;
}

function portBase(p: ServicePortName): string {
  return `${p.namespace}/${p.name}/${p.protocol}/${p.port}`;
}

export interface ServicePortChains {
  /** Endpoints for Cluster traffic policy. */
  cluster: string;
  /** Endpoints on this node, for Local traffic policies. */
  local: string;
  /** NodePort, LoadBalancer and external IP traffic enters here. */
  external: string;
}

export function servicePortChains(p: ServicePortName): ServicePortChains {
  const base = hashed(portBase(p));
  return { cluster: `service-${base}`, local: `local-${base}`, external: `external-${base}` };
}

export interface EndpointNames {
  chain: string;
  /** ClientIP affinity: the set of client addresses that stick to this endpoint. */
  affinitySet: string;
}

export function endpointNames(p: ServicePortName, ip: string, port: number): EndpointNames {
  const base = hashed(`${portBase(p)}__${ip}/${port}`);
  return { chain: `endpoint-${base}`, affinitySet: `affinity-${base}` };
}

/** Per-service objects contain "/"; the fixed chains and sets of the table never do. */
export function isServiceObjectName(name: string): boolean {
  return name.includes("/");
}
