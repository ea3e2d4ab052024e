// Names of the cluster zone and reverse names, parsed the way CoreDNS's kubernetes plugin parses
// them (plugin/kubernetes/parse.go), without any I/O.

import { isIPv4, isIPv6 } from "node:net";

/** Lower case, no trailing dot: how names are compared (DNS names are case-insensitive). */
export function canonical(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

/** `name` without `.zone`, "" for the zone itself, undefined when it is not inside the zone. */
export function withinZone(name: string, zone: string): string | undefined {
  if (name === zone) return "";
  return name.endsWith(`.${zone}`) ? name.slice(0, -zone.length - 1) : undefined;
}

/**
 * A query name inside the cluster zone, by its labels from the right:
 *
 *   svc | pod                                  the zone's subtrees (no records)
 *   <ns>.svc | <ns>.pod                        a namespace (no records)
 *   <service>.<ns>.svc                         a Service
 *   <endpoint>.<service>.<ns>.svc              one endpoint of a Service (its hostname or a-b-c-d)
 *   _<port>._<proto>.<service>.<ns>.svc        a Service's port (SRV)
 *   <a-b-c-d>.<ns>.pod                         a pod address ("pods insecure")
 *
 * Anything else (another last label, more labels) is `invalid`: the name cannot exist.
 */
export interface ClusterName {
  kind: "svc" | "pod" | "invalid";
  namespace: string;
  /** The service, or the dashed address of a pod name. */
  service: string;
  endpoint: string;
  /** Port name and protocol of an SRV-style name, without underscores ("" when absent). */
  port: string;
  protocol: string;
}

const stripUnderscore = (label: string) => (label.startsWith("_") ? label.slice(1) : label);

export function parseClusterName(base: string): ClusterName {
  const r: ClusterName = { kind: "invalid", namespace: "", service: "", endpoint: "", port: "", protocol: "" };
  const labels = base === "" ? [] : base.split(".");
  const last = labels.pop();
  if (last !== "svc" && last !== "pod") return r;
  r.kind = last;
  r.namespace = labels.pop() ?? "";
  r.service = labels.pop() ?? "";
  if (labels.length === 1) r.endpoint = labels[0];
  else if (labels.length === 2) {
    r.protocol = stripUnderscore(labels[1]);
    r.port = stripUnderscore(labels[0]);
  } else if (labels.length > 2) r.kind = "invalid";
  if (r.kind === "pod" && (r.endpoint || r.port)) r.kind = "invalid";
  return r;
}

/** The label an endpoint address answers to: its hostname, else its address with dashes. */
export function endpointLabel(hostname: string, address: string): string {
  if (hostname) return hostname.toLowerCase();
  return address.replace(/[.:]/g, "-").toLowerCase();
}

/** `10-244-1-5` → 10.244.1.5, `fd00--5` → fd00::5 (CoreDNS's pod names); undefined if no address. */
export function addressOfDashed(label: string): string | undefined {
  const dots = label.split("-").length === 4 && !label.includes("--");
  const ip = dots ? label.replace(/-/g, ".") : label.replace(/-/g, ":");
  return isIPv4(ip) || isIPv6(ip) ? ip : undefined;
}

/** `5.1.244.10.in-addr.arpa` → 10.244.1.5; undefined for anything else (IPv6 reverse included). */
export function addressOfReverse(name: string): string | undefined {
  const base = withinZone(name, "in-addr.arpa");
  if (!base) return undefined;
  const octets = base.split(".");
  if (octets.length !== 4 || !octets.every((o) => /^(0|[1-9]\d{0,2})$/.test(o) && Number(o) <= 255)) return undefined;
  return octets.reverse().join(".");
}

/** The reverse name of an IPv4 address. */
export function reverseName(ip: string): string {
  return `${ip.split(".").reverse().join(".")}.in-addr.arpa`;
}

function ipv4ToInt(ip: string): number {
  return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

/** Whether IPv4 `ip` lies in `cidr` (IPv6 ranges never contain it). */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split("/");
  const bits = Number(bitsText);
  if (!isIPv4(ip) || !isIPv4(base) || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(ipv4ToInt(ip) / size) === Math.floor(ipv4ToInt(base) / size);
}

/** The first host address of an IPv4 range: the node's gateway (10.244.3.0/24 → 10.244.3.1). */
export function firstHostAddress(cidr: string): string | undefined {
  const [base, bitsText] = cidr.split("/");
  const bits = Number(bitsText);
  if (!isIPv4(base) || !Number.isInteger(bits) || bits < 0 || bits > 30) return undefined;
  const size = 2 ** (32 - bits);
  const n = Math.floor(ipv4ToInt(base) / size) * size + 1;
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}
