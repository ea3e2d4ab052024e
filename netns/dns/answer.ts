// The answer to one question, computed from the DNS view alone: no sockets, no clock. This is
// the node's cluster DNS as Kubernetes' DNS specification and CoreDNS's kubernetes plugin (with
// `pods insecure`) define it:
//
//   <svc>.<ns>.svc.<domain>                 A: cluster IPs; headless: every published endpoint
//   <endpoint>.<svc>.<ns>.svc.<domain>      A: that endpoint (hostname, or a-b-c-d)
//   _<port>._<proto>.<svc>.<ns>.svc.<domain> SRV (and A) for a named port
//   <svc>.<ns>.svc.<domain> (ExternalName)  CNAME to spec.externalName
//   <a-b-c-d>.<ns>.pod.<domain>             A: that address, unchecked
//   <d>.<c>.<b>.<a>.in-addr.arpa            PTR for cluster IPs and endpoint addresses
//   <domain>                                SOA, NS (ns.dns.<domain>: the kube-dns Service)
//   dns-version.<domain>                    TXT "1.1.0" (the specification's schema version)
//
// Every record lives 5 s (CoreDNS's default TTL). A name that cannot exist is NXDOMAIN, a name
// that exists without records of the asked type is NODATA; both carry the zone's SOA in the
// authority section, so resolvers cache the negative answer for the SOA's 5 s. AAAA questions of
// our IPv4 Services are NODATA. Names outside the zone, and reverse names of addresses outside
// the cluster and service ranges, are for the upstream resolvers (`forward`).

import type { Answer } from "dns-packet";
import { addressOfDashed, addressOfReverse, canonical, endpointLabel, parseClusterName, withinZone } from "./names";
import { serviceRecords, type ServiceRecord } from "./service-records";
import type { DnsView } from "./view";

export const TTL = 5;
export const DNS_SCHEMA_VERSION = "1.1.0";
const REVERSE_ZONE = "in-addr.arpa";
/** How many CNAMEs inside the zone one answer follows (ExternalName pointing at another Service). */
const MAX_CNAME_DEPTH = 8;

export type Rcode = "NOERROR" | "NXDOMAIN";

export interface Resolution {
  /** Not ours: the upstream resolvers answer it. The other fields are then empty. */
  forward: boolean;
  rcode: Rcode;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /** The answer ends in a CNAME outside the zone: the server looks this up upstream and appends it. */
  chase?: { name: string; type: "A" | "AAAA" };
}

export interface DnsQuestion {
  /** As asked (its case is kept in the answer's names). */
  name: string;
  type: string;
}

const FORWARD: Resolution = { forward: true, rcode: "NOERROR", answers: [], authorities: [], additionals: [] };

export function resolve(q: DnsQuestion, view: DnsView): Resolution {
  return resolveAt(q, view, 0);
}

function resolveAt(q: DnsQuestion, view: DnsView, depth: number): Resolution {
  const name = canonical(q.name);
  const owner = q.name.replace(/\.$/, "");
  const base = withinZone(name, view.domain);
  if (base === undefined) {
    const ip = addressOfReverse(name);
    return ip === undefined ? FORWARD : reverse(q, owner, ip, view);
  }
  const negative = (rcode: Rcode): Resolution => ({ forward: false, rcode, answers: [], authorities: [soa(view.domain, view)], additionals: [] });
  const positive = (answers: Answer[], additionals: Answer[] = []): Resolution =>
    answers.length === 0 ? negative("NOERROR") : { forward: false, rcode: "NOERROR", answers, authorities: [], additionals };

  if (base === "") {
    if (q.type === "SOA") return positive([soa(view.domain, view)]);
    if (q.type === "NS") return positive([{ type: "NS", name: owner, ttl: TTL, class: "IN", data: `ns.dns.${view.domain}` }], addressRecords(`ns.dns.${view.domain}`, "A", view.dnsServerAddresses()));
    return negative("NOERROR");
  }
  if (base === "dns-version") return positive(q.type === "TXT" ? [{ type: "TXT", name: owner, ttl: 28800, class: "IN", data: DNS_SCHEMA_VERSION }] : []);
  if (base === "ns.dns") return positive(q.type === "A" || q.type === "AAAA" ? addressRecords(owner, q.type, view.dnsServerAddresses()) : []);

  const r = parseClusterName(base);
  if (r.kind === "invalid") return negative("NXDOMAIN");
  if (r.namespace === "") return negative("NOERROR");
  if (r.kind === "pod") {
    if (r.service === "") return negative("NOERROR");
    const ip = addressOfDashed(r.service);
    if (!ip) return negative("NXDOMAIN");
    return positive(q.type === "A" || q.type === "AAAA" ? addressRecords(owner, q.type, [ip]) : []);
  }
  if (r.service === "") return negative(view.hasNamespace(r.namespace) ? "NOERROR" : "NXDOMAIN");

  const records = serviceRecords(r, view);
  if (records.length === 0) return negative("NXDOMAIN");
  const cname = records.find((x) => x.cname);
  if (cname) {
    if (q.type !== "A" && q.type !== "AAAA" && q.type !== "CNAME") return negative("NOERROR");
    const answers: Answer[] = [{ type: "CNAME", name: owner, ttl: TTL, class: "IN", data: cname.cname! }];
    if (q.type === "CNAME") return positive(answers);
    if (withinZone(cname.cname!, view.domain) === undefined) return { ...positive(answers), chase: { name: cname.cname!, type: q.type } };
    if (depth >= MAX_CNAME_DEPTH) return positive(answers);
    const next = resolveAt({ name: cname.cname!, type: q.type }, view, depth + 1);
    return { ...next, answers: [...answers, ...next.answers], authorities: next.answers.length > 0 ? [] : next.authorities };
  }
  if (q.type === "A" || q.type === "AAAA") return positive(addressRecords(owner, q.type, records.map((x) => x.address!)));
  if (q.type === "SRV") {
    const found = srv(owner, records);
    return positive(found.answers, found.additionals);
  }
  return negative("NOERROR");
}

/** A or AAAA records of the addresses of the asked family, each address once. */
function addressRecords(owner: string, type: "A" | "AAAA", addresses: string[]): Answer[] {
  const v6 = type === "AAAA";
  return [...new Set(addresses)].filter((ip) => ip.includes(":") === v6).map((ip) => ({ type, name: owner, ttl: TTL, class: "IN" as const, data: ip }));
}

/**
 * SRV records pointing at the Service's name (ClusterIP) or at each endpoint's name (headless),
 * with those names' A records as additionals; weights split 100 evenly, as CoreDNS does.
 */
function srv(owner: string, records: ServiceRecord[]): { answers: Answer[]; additionals: Answer[] } {
  const seen = new Set<string>();
  const picked = records.filter((x) => {
    const key = `${x.target}:${x.port}`;
    if (x.port === undefined || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const weight = picked.length > 0 ? Math.floor(100 / picked.length) : 0;
  const answers: Answer[] = picked.map((x) => ({ type: "SRV", name: owner, ttl: TTL, class: "IN", data: { priority: 0, weight, port: x.port!, target: x.target } }));
  const additionals: Answer[] = [];
  const added = new Set<string>();
  for (const x of picked) {
    const key = `${x.target} ${x.address}`;
    if (added.has(key)) continue;
    added.add(key);
    additionals.push(...addressRecords(x.target, x.address!.includes(":") ? "AAAA" : "A", [x.address!]));
  }
  return { answers, additionals };
}

/** PTR for a Service's cluster IP, else for every endpoint with that address. */
function reverse(q: DnsQuestion, owner: string, ip: string, view: DnsView): Resolution {
  const found = view.byAddress(ip);
  const targets: string[] = [];
  if (found.service) targets.push(`${found.service.name}.${found.service.namespace}.svc.${view.domain}`);
  else for (const e of found.endpoints) targets.push(`${endpointLabel(e.endpoint.hostname, e.address)}.${e.service.name}.${e.service.namespace}.svc.${view.domain}`);
  if (targets.length === 0) {
    if (!view.isClusterAddress(ip)) return FORWARD;
    return { forward: false, rcode: "NXDOMAIN", answers: [], authorities: [soa(REVERSE_ZONE, view)], additionals: [] };
  }
  if (q.type !== "PTR") return { forward: false, rcode: "NOERROR", answers: [], authorities: [soa(REVERSE_ZONE, view)], additionals: [] };
  const answers: Answer[] = [...new Set(targets)].map((data) => ({ type: "PTR", name: owner, ttl: TTL, class: "IN", data }));
  return { forward: false, rcode: "NOERROR", answers, authorities: [], additionals: [] };
}

/** The zone's SOA, as CoreDNS writes it. */
export function soa(zone: string, view: DnsView): Answer {
  return {
    type: "SOA",
    name: zone,
    ttl: TTL,
    class: "IN",
    data: { mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial: view.serial(), refresh: 7200, retry: 1800, expire: 86400, minimum: TTL },
  };
}
