// Which resolvers the node's DNS server forwards names outside the cluster zone to:
// `gantry agent --dns-upstream <ip[:port]>` (repeatable; `none` forwards nothing), else the
// nameservers of the host's /etc/resolv.conf.
//
// Host nameservers that would send queries back to us or nowhere are skipped: loopback ones
// (127.0.0.53 of systemd-resolved lives in the host's namespace, not necessarily the agent's,
// and a pod's query must not loop through a local stub) and addresses inside the cluster and
// service ranges (the cluster DNS itself).

import { isIP, isIPv4, isIPv6 } from "node:net";
import type { UpstreamAddress } from "./forwarder";
import { inCidr } from "./names";

/** `10.0.0.2`, `10.0.0.2:5353`, `[fd00::2]:53`, `fd00::2` → host and port (53 by default). */
export function parseUpstream(text: string): UpstreamAddress {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  let host = text;
  let port = "53";
  if (bracketed) [, host, port = "53"] = bracketed;
  else if (isIPv4(text.split(":")[0]) && text.split(":").length === 2) [host, port] = text.split(":");
  const n = Number(port);
  if (!isIP(host) || !/^\d+$/.test(port) || n < 1 || n > 65535) {
    throw new Error(`--dns-upstream ${JSON.stringify(text)} is not an IP address with an optional port, like 10.0.0.2, 10.0.0.2:5353 or [fd00::2]:53`);
  }
  return { host, port: n };
}

/** The flag's values: undefined (not given) → undefined; `none` → []; else each parsed. */
export function upstreamsFromFlags(values: readonly string[] | undefined): UpstreamAddress[] | undefined {
  if (values === undefined || values.length === 0) return undefined;
  if (values.length === 1 && values[0] === "none") return [];
  return values.map(parseUpstream);
}

function isLoopback(ip: string): boolean {
  return (isIPv4(ip) && ip.startsWith("127.")) || (isIPv6(ip) && (ip === "::1" || ip === "0:0:0:0:0:0:0:1"));
}

/** The host resolv.conf's usable nameservers (port 53). */
export function upstreamsFromResolvConf(text: string, clusterRanges: readonly string[]): UpstreamAddress[] {
  const out: UpstreamAddress[] = [];
  for (const raw of text.split("\n")) {
    const [key, value] = raw.trim().split(/\s+/);
    if (key !== "nameserver" || !value) continue;
    // fe80::1%eth0: a link-local address names the host's interface, not the agent's.
    if (value.includes("%") || !isIP(value) || isLoopback(value) || clusterRanges.some((c) => inCidr(value, c))) continue;
    out.push({ host: value, port: 53 });
  }
  return out;
}
