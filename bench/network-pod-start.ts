// Network benchmark (b), pod start with the pod network: BENCH_NET_PODS pods started one after
// another by a real agent with --pod-network=cni, against a raw reference measured in the same
// run (netns + the same CNI ADD by hand + overlay mount + `runc run -d`); p50/p99 and ratios.
// See network-pod-start-run.ts for what exactly is timed.
//
// Everything runs in a test host (test/helpers/netns-hosts.ts: a network namespace with its own
// eth0 and a blackhole default route): the agent's gantry0, routes and sysctls, the plugins'
// veths and iptables rules, and the registry on its loopback. The machine's own network is never
// touched; the namespace, and whatever is left in it, is destroyed at the end.

import { spawn } from "node:child_process";
import path from "node:path";
import { createTestNet } from "../test/helpers/netns-hosts";

const DRIVER = path.join(__dirname, "network-pod-start-run.js");

export async function benchPodStart(): Promise<Record<string, unknown>> {
  const net = await createTestNet(["bench-node"]);
  try {
    const host = net.host("bench-node");
    // nsenter --net only (not `ip netns exec`): the agent needs the machine's cgroup mounts.
    const child = spawn("nsenter", [`--net=/run/netns/${host.netns}`, "--", process.execPath, DRIVER], { stdio: ["ignore", "pipe", "inherit"], env: process.env });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", resolve);
    });
    const last = out.trim().split("\n").pop() ?? "";
    if (code !== 0 || !last.startsWith("{")) throw new Error(`the pod-start driver exited ${code}: ${out.slice(-2000)}`);
    return JSON.parse(last) as Record<string, unknown>;
  } finally {
    await net.destroy();
  }
}
