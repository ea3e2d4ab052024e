// Runs host tools (nft, conntrack, ip, sysctl) in the agent's own network namespace, or in a
// given one: tests and benchmarks point the node-network code at a namespace they made, so it
// never touches the machine's own tables, while the agent itself runs inside its "host"
// namespace and needs no prefix.

import { run, type RunResult } from "./run";

export type CommandRunner = (argv: readonly string[], options?: { input?: string; timeoutMs?: number }) => Promise<RunResult>;

/** The argv prefix that runs a command in `netnsPath` (nothing for the agent's own namespace). */
export function netnsPrefix(netnsPath?: string): string[] {
  return netnsPath === undefined ? [] : ["nsenter", `--net=${netnsPath}`, "--"];
}

export function hostCommands(netnsPath?: string): CommandRunner {
  const prefix = netnsPrefix(netnsPath);
  return (argv, options) => run([...prefix, ...argv], options);
}
