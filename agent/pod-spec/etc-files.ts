// The per-pod /etc/hosts, /etc/hostname and /etc/resolv.conf, with the kubelet's contents.

import type { Pod } from "kubernetes-types/core/v1";

export interface DnsSettings {
  /** Cluster DNS server IPs (NodeConfig.cluster_dns); empty until the master sends them. */
  clusterDNS: string[];
  clusterDomain: string;
  /** The node's own resolv.conf, for dnsPolicy Default (and ClusterFirst without cluster DNS). */
  hostResolvConf: string;
}

/**
 * spec.hostname, else the pod name cut to the 63 characters a hostname may have, without a
 * trailing "-" or "." the cut may leave (the kubelet's truncatePodHostnameIfNeeded).
 */
export function podHostname(pod: Pod): string {
  if (pod.spec?.hostname) return pod.spec.hostname;
  const name = pod.metadata?.name || "localhost";
  return name.length > 63 ? name.slice(0, 63).replace(/[-.]+$/, "") : name;
}

export function hostsFile(pod: Pod, podIPs: readonly string[], clusterDomain: string): string {
  const lines = [
    "# Kubernetes-managed hosts file.",
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "fe00::0\tip6-mcastprefix",
    "fe00::1\tip6-allnodes",
    "fe00::2\tip6-allrouters",
  ];
  const host = podHostname(pod);
  const sub = pod.spec?.subdomain;
  for (const ip of podIPs) {
    lines.push(sub ? `${ip}\t${host}.${sub}.${pod.metadata?.namespace}.svc.${clusterDomain}\t${host}` : `${ip}\t${host}`);
  }
  const aliases = pod.spec?.hostAliases ?? [];
  if (aliases.length > 0) {
    lines.push("", "# Entries added by HostAliases.");
    for (const a of aliases) lines.push(`${a.ip}\t${(a.hostnames ?? []).join("\t")}`);
  }
  return `${lines.join("\n")}\n`;
}

interface Resolv {
  nameservers: string[];
  searches: string[];
  options: string[];
}

/** The kubelet's limits (validation's MaxDNSNameservers, MaxDNSSearchPaths, MaxDNSSearchListChars). */
const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;
const MAX_SEARCH_CHARS = 2048;
const MAX_DOMAIN_CHARS = 253;

/**
 * The kubelet's parseResolvConf: `nameserver` lines accumulate, the last `search` line and the
 * last `options` line win, search domains lose a trailing dot; other lines (`domain`,
 * `sortlist`) are ignored.
 */
export function parseResolvConf(text: string): Resolv {
  const r: Resolv = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#") || line.startsWith(";")) continue;
    const [key, ...rest] = line.split(/\s+/);
    if (key === "nameserver" && rest[0]) r.nameservers.push(rest[0]);
    else if (key === "search") r.searches = rest.map((d) => d.replace(/\.$/, ""));
    else if (key === "options") r.options = rest;
  }
  return r;
}

const unique = (items: string[]) => [...new Set(items)];

/** Options merge by name: dnsConfig's `ndots:2` replaces the policy's `ndots:5`. */
function mergeOptions(base: string[], extra: { name?: string; value?: string }[]): string[] {
  const out = new Map<string, string>();
  for (const o of base) out.set(o.split(":")[0], o);
  for (const o of extra) if (o.name) out.set(o.name, o.value ? `${o.name}:${o.value}` : o.name);
  return [...out.values()];
}

/** Drops what the resolver cannot take, as the kubelet does, saying what was dropped. */
function fitLimits(r: Resolv, warnings: string[]): void {
  if (r.nameservers.length > MAX_NAMESERVERS) {
    r.nameservers = r.nameservers.slice(0, MAX_NAMESERVERS);
    warnings.push(`Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${r.nameservers.join(" ")}`);
  }
  let cut = r.searches.length > MAX_SEARCHES;
  let searches = r.searches.slice(0, MAX_SEARCHES).filter((d) => d.length <= MAX_DOMAIN_CHARS);
  cut ||= searches.length < Math.min(r.searches.length, MAX_SEARCHES);
  while (searches.join(" ").length > MAX_SEARCH_CHARS) {
    searches = searches.slice(0, -1);
    cut = true;
  }
  r.searches = searches;
  if (cut) warnings.push(`Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.join(" ")}`);
}

export interface ResolvConfResult {
  text: string;
  /** What the kubelet reports as Warning events (MissingClusterDNS, DNSConfigForming). */
  warnings: string[];
}

/**
 * The pod's resolv.conf, as the kubelet's dns.Configurer builds it:
 *   ClusterFirst (default): the cluster DNS servers, search `<ns>.svc.<domain> svc.<domain>
 *     <domain>` then the node's search domains, `options ndots:5`; a hostNetwork pod gets the
 *     node's resolv.conf instead, and so does every pod while the node knows no cluster DNS;
 *   ClusterFirstWithHostNet: ClusterFirst, hostNetwork or not;
 *   Default: the node's nameservers, search domains and options;
 *   None: nothing but spec.dnsConfig.
 * spec.dnsConfig is then added: nameservers and searches appended without duplicates, options
 * merged by name. Finally the limits: 3 nameservers, 32 search domains of at most 253
 * characters and 2048 characters together.
 */
export function resolvConf(pod: Pod, dns: DnsSettings): ResolvConfResult {
  const policy = pod.spec?.dnsPolicy ?? "ClusterFirst";
  const warnings: string[] = [];
  const host = parseResolvConf(dns.hostResolvConf);
  const clusterPolicy = policy === "ClusterFirstWithHostNet" || (policy === "ClusterFirst" && pod.spec?.hostNetwork !== true) || !["None", "Default", "ClusterFirst"].includes(policy);
  let r: Resolv;
  if (policy === "None") r = { nameservers: [], searches: [], options: [] };
  else if (clusterPolicy && dns.clusterDNS.length > 0) {
    const ns = pod.metadata?.namespace ?? "default";
    const d = dns.clusterDomain;
    r = { nameservers: [...dns.clusterDNS], searches: unique([`${ns}.svc.${d}`, `svc.${d}`, d, ...host.searches]), options: ["ndots:5"] };
  } else {
    if (clusterPolicy) warnings.push(`pod: dnsPolicy ${policy} but the node has no cluster DNS yet; using the node's resolv.conf`);
    r = host;
  }
  const cfg = pod.spec?.dnsConfig;
  if (cfg) {
    r.nameservers = unique([...r.nameservers, ...(cfg.nameservers ?? [])]);
    r.searches = unique([...r.searches, ...(cfg.searches ?? [])]);
    r.options = mergeOptions(r.options, cfg.options ?? []);
  }
  fitLimits(r, warnings);
  const lines: string[] = [];
  if (r.searches.length) lines.push(`search ${r.searches.join(" ")}`);
  for (const ns of r.nameservers) lines.push(`nameserver ${ns}`);
  if (r.options.length) lines.push(`options ${r.options.join(" ")}`);
  return { text: `${lines.join("\n")}\n`, warnings };
}
