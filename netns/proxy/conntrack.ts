// Stale UDP flows. UDP has no connection to close: a client that keeps sending from one port
// stays pinned by its conntrack entry to the endpoint it was first sent to, even after that
// endpoint left the Service. Like kube-proxy (pkg/proxy/conntrack/cleanup.go), after a sync
// every UDP entry addressed to a Service IP or NodePort whose reply does not come from a
// serving endpoint is deleted, so the next datagram is load-balanced afresh. Uses the
// `conntrack` tool (Debian package conntrack).

import type { CommandRunner } from "../host-commands";
import { CommandError } from "../run";
import type { UdpTarget } from "./types";

export interface ConntrackEntry {
  origSrc: string;
  origDst: string;
  origDport: number;
  replySrc: string;
}

/** Parses `conntrack -L -p udp` lines: the first src/dst/dport are the original direction,
 *  the second src the reply's. */
export function parseConntrack(text: string): ConntrackEntry[] {
  const out: ConntrackEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("udp")) continue;
    const srcs = [...line.matchAll(/\bsrc=(\S+)/g)].map((m) => m[1]);
    const dsts = [...line.matchAll(/\bdst=(\S+)/g)].map((m) => m[1]);
    const dports = [...line.matchAll(/\bdport=(\d+)/g)].map((m) => Number(m[1]));
    if (srcs.length < 2 || dsts.length < 1 || dports.length < 1) continue;
    out.push({ origSrc: srcs[0], origDst: dsts[0], origDport: dports[0], replySrc: srcs[1] });
  }
  return out;
}

/** One `conntrack -D` filter: entries to origDst (and port) whose reply comes from replySrc. */
export interface FlowFilter {
  origDst: string;
  origPortDst?: number;
  replySrc: string;
}

/**
 * Filters for every entry that goes to a UDP Service address (or a NodePort on a node
 * address) but is answered by something other than a serving endpoint of that Service, and
 * for DNATed entries to addresses in `goneIPs` (Services that no longer exist).
 */
export function staleFlows(entries: ConntrackEntry[], targets: UdpTarget[], nodeAddresses: string[], goneIPs: string[]): FlowFilter[] {
  const byServiceIP = new Map<string, Set<string>>();
  const byNodePort = new Map<number, Set<string>>();
  for (const t of targets) {
    const serving = new Set(t.servingEndpointIPs);
    for (const ip of t.serviceIPs) byServiceIP.set(ip, serving);
    if (t.nodePort !== 0) byNodePort.set(t.nodePort, serving);
  }
  const nodeIPs = new Set(nodeAddresses);
  const gone = new Set(goneIPs.filter((ip) => !byServiceIP.has(ip)));
  const out = new Map<string, FlowFilter>();
  const add = (f: FlowFilter) => out.set(`${f.origDst} ${f.origPortDst ?? ""} ${f.replySrc}`, f);
  for (const e of entries) {
    const serving = byServiceIP.get(e.origDst);
    if (serving && !serving.has(e.replySrc)) add({ origDst: e.origDst, replySrc: e.replySrc });
    const npServing = nodeIPs.has(e.origDst) ? byNodePort.get(e.origDport) : undefined;
    if (npServing && !npServing.has(e.replySrc)) add({ origDst: e.origDst, origPortDst: e.origDport, replySrc: e.replySrc });
    if (gone.has(e.origDst) && e.replySrc !== e.origDst) add({ origDst: e.origDst, replySrc: e.replySrc });
  }
  return [...out.values()];
}

export class Conntrack {
  constructor(private readonly exec: CommandRunner) {}

  async listUdp(): Promise<ConntrackEntry[]> {
    const r = await this.exec(["conntrack", "-L", "-p", "udp", "-f", "ipv4"], { timeoutMs: 60_000 });
    return parseConntrack(r.stdout);
  }

  /** Deletes the matching entries; returns how many filters ran. */
  async delete(filters: FlowFilter[]): Promise<number> {
    for (const f of filters) {
      const argv = ["conntrack", "-D", "-p", "udp", "-f", "ipv4", "--orig-dst", f.origDst, "--reply-src", f.replySrc];
      if (f.origPortDst !== undefined) argv.push("--orig-port-dst", String(f.origPortDst));
      try {
        await this.exec(argv, { timeoutMs: 30_000 });
      } catch (err) {
        // Exit 1 with "0 flow entries": the flow ended meanwhile.
        if (!(err instanceof CommandError && /0 flow entries/.test(err.stderr))) throw err;
      }
    }
    return filters.length;
  }
}
