// The per-pod /etc/hosts, /etc/hostname and /etc/resolv.conf, with the kubelet's contents.

import type { Pod } from "kubernetes-types/core/v1";

export interface DnsSettings {
  /** Cluster DNS server IPs (NodeConfig.cluster_dns); empty until the master sends them. */
  clusterDNS: string[];
  clusterDomain: string;
  /** The node's own resolv.conf, for dnsPolicy Default (and ClusterFirst without cluster DNS). */
  hostResolvConf: string;
}

/** spec.hostname or the pod name, cut to the 63 characters a hostname may have. */
export function podHostname(pod: Pod): string {
  return (pod.spec?.hostname || pod.metadata?.name || "localhost").slice(0, 63);
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

function parseResolv(text: string): Resolv {
  const r: Resolv = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split("\n")) {
    const line = raw.replace(/[#;].*$/, "").trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === "nameserver" && rest[0]) r.nameservers.push(rest[0]);
    else if (key === "search" || key === "domain") r.searches = rest;
    else if (key === "options") r.options.push(...rest);
  }
  return r;
}

/** Options merge by name: a later `ndots:2` replaces an earlier `ndots:5`. */
function mergeOptions(base: string[], extra: string[]): string[] {
  const out = new Map<string, string>();
  for (const o of [...base, ...extra]) out.set(o.split(":")[0], o);
  return [...out.values()];
}

/** resolv.conf per dnsPolicy; `fellBack` tells the caller to warn that cluster DNS is unknown. */
export function resolvConf(pod: Pod, dns: DnsSettings): { text: string; fellBack: boolean } {
  const policy = pod.spec?.dnsPolicy ?? "ClusterFirst";
  const host = parseResolv(dns.hostResolvConf);
  let r: Resolv;
  let fellBack = false;
  if (policy === "None") r = { nameservers: [], searches: [], options: [] };
  else if ((policy === "ClusterFirst" || policy === "ClusterFirstWithHostNet") && dns.clusterDNS.length > 0) {
    const ns = pod.metadata?.namespace ?? "default";
    const d = dns.clusterDomain;
    r = { nameservers: [...dns.clusterDNS], searches: [`${ns}.svc.${d}`, `svc.${d}`, d, ...host.searches], options: ["ndots:5"] };
  } else {
    fellBack = policy !== "Default";
    r = host;
  }
  const cfg = pod.spec?.dnsConfig;
  if (cfg) {
    r.nameservers = [...r.nameservers, ...(cfg.nameservers ?? [])];
    r.searches = [...r.searches, ...(cfg.searches ?? [])];
    r.options = mergeOptions(r.options, (cfg.options ?? []).map((o) => (o.value !== undefined ? `${o.name}:${o.value}` : (o.name ?? ""))).filter(Boolean));
  }
  const lines: string[] = [];
  if (r.searches.length) lines.push(`search ${[...new Set(r.searches)].slice(0, 32).join(" ")}`);
  for (const ns of r.nameservers.slice(0, 3)) lines.push(`nameserver ${ns}`);
  if (r.options.length) lines.push(`options ${r.options.join(" ")}`);
  return { text: `${lines.join("\n")}\n`, fellBack };
}
