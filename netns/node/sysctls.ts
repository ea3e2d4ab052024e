// Kernel settings a pod network needs in the node's (host's) namespace. Both are per network
// namespace, so an agent inside a test host sets them there only.
//   net.ipv4.ip_forward=1                 the node routes between pods, its bridge and its uplink
//   net.bridge.bridge-nf-call-iptables=1  bridged pod-to-pod packets pass netfilter, so a reply
//                                         from a pod on the same bridge is un-DNATed by conntrack
//                                         (Service traffic between two pods of one node)

import type { CommandRunner } from "../host-commands";

export const NODE_SYSCTLS: Readonly<Record<string, string>> = {
  "net.ipv4.ip_forward": "1",
  "net.bridge.bridge-nf-call-iptables": "1",
};

/** Sets each one; returns what could not be set (e.g. no br_netfilter in this kernel), with why. */
export async function ensureSysctls(exec: CommandRunner): Promise<string[]> {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(NODE_SYSCTLS)) {
    await exec(["sysctl", "-q", "-w", `${key}=${value}`]).catch((err: Error) => problems.push(`${key}=${value}: ${err.message}`));
  }
  return problems;
}

export async function readSysctl(exec: CommandRunner, key: string): Promise<string> {
  return (await exec(["sysctl", "-n", key])).stdout.trim();
}
