// `ip -j …` output, parsed (iproute2's JSON mode: one array per command).

import type { CommandRunner } from "../host-commands";

export async function ipJson<T>(exec: CommandRunner, args: readonly string[]): Promise<T[]> {
  const out = (await exec(["ip", "-j", ...args])).stdout.trim();
  return out ? (JSON.parse(out) as T[]) : [];
}
