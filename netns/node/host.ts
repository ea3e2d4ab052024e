// Where the node's network is programmed: the agent's own network namespace (the host's), or,
// for tests, a namespace given by path (commands then run under `nsenter --net=<path>`, so a
// test never touches the machine's real network).

import { run } from "../run";

/** Runs a host tool (ip, sysctl) in the node's namespace; resolves with its stdout. */
export type HostRun = (argv: readonly string[]) => Promise<string>;

/** The argv prefix that enters `netnsPath`, or nothing for the agent's own namespace. */
export function netnsWrap(netnsPath?: string): string[] {
  return netnsPath ? ["nsenter", `--net=${netnsPath}`, "--"] : [];
}

export function hostRun(netnsPath?: string): HostRun {
  const wrap = netnsWrap(netnsPath);
  return async (argv) => (await run([...wrap, ...argv])).stdout;
}

/** `ip -j ...` parsed. */
export async function ipJson<T>(host: HostRun, args: readonly string[]): Promise<T[]> {
  const out = (await host(["ip", "-j", ...args])).trim();
  return out ? (JSON.parse(out) as T[]) : [];
}
