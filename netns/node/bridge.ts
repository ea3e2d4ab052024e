// The node bridge `gantry0`, made by the agent as soon as it knows its pod CIDR (before any pod
// exists: the node's DNS server listens on the gateway address). The CNI bridge plugin then
// finds it in place and only plugs veths into it.
//
// ensureBridge is idempotent: creates the bridge with a fixed MAC address (a bridge whose MAC
// was never set takes its lowest port's MAC, which changes as pods come and go; the CNI CHECK
// compares it with the one recorded at ADD), puts exactly the gateway address on it (another
// IPv4 address, from an earlier pod CIDR, is removed) and brings it up.

import { randomBytes } from "node:crypto";
import type { CommandRunner } from "../host-commands";
import { ipJson } from "./ip-json";

interface IpLink {
  ifname: string;
  address?: string;
  flags?: string[];
  linkinfo?: { info_kind?: string };
}

interface IpAddr {
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

/** A random locally administered unicast MAC address. */
function localMac(): string {
  const b = randomBytes(6);
  b[0] = (b[0] & 0xfe) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join(":");
}

async function findLink(exec: CommandRunner, name: string): Promise<IpLink | undefined> {
  const links = await ipJson<IpLink>(exec, ["-d", "link", "show"]);
  return links.find((l) => l.ifname === name);
}

/** Ensures bridge `name` exists and is up, and (when given) carries exactly `gatewayCidr`
 *  (e.g. 10.244.1.1/24); without one it carries no IPv4 address (the service range's sink). */
export async function ensureBridge(exec: CommandRunner, name: string, gatewayCidr?: string): Promise<void> {
  let link = await findLink(exec, name);
  if (!link) {
    await exec(["ip", "link", "add", "name", name, "address", localMac(), "type", "bridge"]).catch(async (err) => {
      // Made meanwhile by someone else (a CNI ADD racing us): fine if it is a bridge.
      if (!(await findLink(exec, name))) throw err;
    });
    link = await findLink(exec, name);
  }
  if (link?.linkinfo?.info_kind !== "bridge") throw new Error(`${name} exists but is not a bridge (${link?.linkinfo?.info_kind ?? "unknown kind"}); remove it or choose another node network`);

  const [want, prefix] = gatewayCidr?.split("/") ?? [];
  const addrs = (await ipJson<IpAddr>(exec, ["-4", "addr", "show", "dev", name])).flatMap((a) => a.addr_info ?? []);
  for (const a of addrs) {
    if (a.family === "inet" && (a.local !== want || String(a.prefixlen) !== prefix)) await exec(["ip", "addr", "del", `${a.local}/${a.prefixlen}`, "dev", name]);
  }
  if (gatewayCidr && !addrs.some((a) => a.local === want && String(a.prefixlen) === prefix)) await exec(["ip", "addr", "add", gatewayCidr, "dev", name]);
  if (!(link.flags ?? []).includes("UP")) await exec(["ip", "link", "set", name, "up"]);
}

/** Removes the bridge; succeeds when it does not exist. Its pods' veths go with their namespaces. */
export async function removeBridge(exec: CommandRunner, name: string): Promise<void> {
  if (await findLink(exec, name)) await exec(["ip", "link", "del", name]);
}

/** The IPv4 addresses (CIDR notation) on `name`, or undefined when there is no such link. */
export async function bridgeAddresses(exec: CommandRunner, name: string): Promise<string[] | undefined> {
  if (!(await findLink(exec, name))) return undefined;
  return (await ipJson<IpAddr>(exec, ["-4", "addr", "show", "dev", name])).flatMap((a) => a.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
}
