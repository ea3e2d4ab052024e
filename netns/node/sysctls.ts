// Kernel settings a pod network needs in the node's (host's) namespace. Both are per network
// namespace, so an agent inside a test host sets them there only.
//   net.ipv4.ip_forward=1                 the node routes between pods, its bridge and its uplink
//   net.bridge.bridge-nf-call-iptables=1  bridged pod-to-pod packets pass netfilter, so a reply
//                                         from a pod on the same bridge is un-DNATed by conntrack
//                                         (Service traffic between two pods of one node)

import type { HostRun } from "./host";

export const NODE_SYSCTLS: Readonly<Record<string, string>> = {
  "net.ipv4.ip_forward": "1",
  "net.bridge.bridge-nf-call-iptables": "1",
};

export async function ensureSysctls(host: HostRun): Promise<void> {
  await host(["sysctl", "-q", "-w", ...Object.entries(NODE_SYSCTLS).map(([k, v]) => `${k}=${v}`)]);
}

export async function readSysctl(host: HostRun, key: string): Promise<string> {
  return (await host(["sysctl", "-n", key])).trim();
}
