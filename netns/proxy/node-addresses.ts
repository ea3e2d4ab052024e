// The node's IPv4 addresses, for the NodePort address set: every address of every interface
// in the node's network namespace (as `ip -j -4 addr` lists them), 127.0.0.1 included.

import type { CommandRunner } from "../host-commands";

interface IpAddrJson {
  addr_info?: { family?: string; local?: string }[];
}

export function parseIpAddrJson(text: string): string[] {
  const links = JSON.parse(text) as IpAddrJson[];
  const out = new Set<string>();
  for (const l of links) for (const a of l.addr_info ?? []) if (a.family === "inet" && a.local) out.add(a.local);
  return [...out].sort();
}

export async function nodeAddresses(exec: CommandRunner): Promise<string[]> {
  const r = await exec(["ip", "-j", "-4", "addr", "show"], { timeoutMs: 10_000 });
  const found = parseIpAddrJson(r.stdout);
  return found.includes("127.0.0.1") ? found : ["127.0.0.1", ...found];
}
