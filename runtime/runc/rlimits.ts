// The open-file limit containers can get on this host. runc sets the container's RLIMIT_NOFILE
// with prlimit from our side; raising a hard limit above our own needs CAP_SYS_RESOURCE, which
// a sandboxed agent may not have (this development VM lacks it: hard limit 20000). Then the
// best we can give is our own hard limit, rather than failing every container.

import { promises as fs } from "node:fs";
import { defaultNofile } from "../oci/defaults";

const capSysResource = 24;

export function parseNofileHard(limits: string): number | undefined {
  const m = /^Max open files\s+\S+\s+(\S+)/m.exec(limits);
  if (!m) return undefined;
  return m[1] === "unlimited" ? Infinity : Number(m[1]);
}

export function hasCapability(status: string, cap: number): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  return m ? (BigInt(`0x${m[1]}`) & (1n << BigInt(cap))) !== 0n : false;
}

export async function containerNofile(): Promise<number> {
  const [status, limits] = await Promise.all([fs.readFile("/proc/self/status", "utf8"), fs.readFile("/proc/self/limits", "utf8")]);
  if (hasCapability(status, capSysResource)) return defaultNofile;
  const hard = parseNofileHard(limits);
  return hard === undefined ? defaultNofile : Math.min(defaultNofile, hard);
}
