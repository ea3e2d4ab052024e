// A node with pods, for the service proxy tests (all inside namespaces this test makes):
//
//   ext (client "outside", 10.250.X.2) ──test bridge── node (10.250.X.1, default route via ext)
//                                                         └─ gbr0 10.244.7.1/24 ── p1..pN (10.244.7.11, .12, ...)
//
// The node forwards (ip_forward, bridge-nf-call-iptables, as NET-A sets them), ext does not:
// a packet the node sends towards ext for an address ext does not own ends there. ext routes
// the LoadBalancer range 10.240.X.0/24 to the node. Pods run lab-server.js (HTTP on 8080,
// UDP on 5353); lab-client.js runs in any of them.

import { execFileSync } from "node:child_process";
import path from "node:path";
import { createTestNet, type TestHost, type TestNet } from "./netns-hosts";

export const POD_CIDR = "10.244.7.0/24";
export const GATEWAY = "10.244.7.1";
export const HTTP_PORT = 8080;
export const UDP_PORT = 5353;

const HELPERS = __dirname;

export interface LabPod {
  name: string;
  ip: string;
  host: TestHost;
}

export interface PodLab {
  net: TestNet;
  node: TestHost;
  /** /run/netns path of the node, for nsenter. */
  nodePath: string;
  ext: TestHost;
  pods: LabPod[];
  /** A LoadBalancer address ext routes to the node. */
  lbIP: string;
  pod(name: string): LabPod;
  /** Runs lab-client.js in `from` (a pod or host); returns its parsed results. */
  client(from: TestHost, args: string[]): Promise<{ pod?: string; remote?: string; error?: string }[]>;
  destroy(): Promise<void>;
}

function ipIn(netns: string, ...args: string[]): void {
  execFileSync("ip", ["-n", netns, ...args], { stdio: ["ignore", "ignore", "pipe"] });
}

function sysctl(host: TestHost, setting: string): void {
  execFileSync("ip", ["netns", "exec", host.netns, "sysctl", "-q", "-w", setting], { stdio: ["ignore", "ignore", "pipe"] });
}

export async function createPodLab(podCount: number): Promise<PodLab> {
  const net = await createTestNet(["node", "ext"]);
  try {
    const node = net.host("node");
    const ext = net.host("ext");
    const octet = net.subnet.split(".")[2];
    const lbIP = `10.240.${octet}.10`;
    ipIn(node.netns, "route", "replace", "default", "via", ext.address);
    ipIn(ext.netns, "route", "add", `10.240.${octet}.0/24`, "via", node.address);
    sysctl(node, "net.ipv4.ip_forward=1");
    sysctl(node, "net.bridge.bridge-nf-call-iptables=1");
    ipIn(node.netns, "link", "add", "gbr0", "type", "bridge");
    ipIn(node.netns, "addr", "add", `${GATEWAY}/24`, "dev", "gbr0");
    ipIn(node.netns, "link", "set", "gbr0", "up");
    const pods: LabPod[] = [];
    for (let k = 1; k <= podCount; k++) {
      const name = `p${k}`;
      const host = net.addNamespace(name);
      const ip = `10.244.7.${10 + k}`;
      ipIn(node.netns, "link", "add", `veth-${name}`, "type", "veth", "peer", "name", "eth0", "netns", host.netns);
      ipIn(node.netns, "link", "set", `veth-${name}`, "master", "gbr0");
      // hairpin: br_netfilter DNATs a pod's packet for its own Service while bridging it, and
      // the bridge must then send it back out the port it came in on (CNI bridge's hairpinMode).
      ipIn(node.netns, "link", "set", `veth-${name}`, "type", "bridge_slave", "hairpin", "on");
      ipIn(node.netns, "link", "set", `veth-${name}`, "up");
      ipIn(host.netns, "addr", "add", `${ip}/24`, "dev", "eth0");
      ipIn(host.netns, "link", "set", "eth0", "up");
      ipIn(host.netns, "route", "add", "default", "via", GATEWAY);
      pods.push({ name, ip, host });
    }
    await Promise.all(pods.map(startServer));
    const lab: PodLab = {
      net,
      node,
      nodePath: `/run/netns/${node.netns}`,
      ext,
      pods,
      lbIP,
      pod(name) {
        const p = pods.find((x) => x.name === name);
        if (!p) throw new Error(`no pod ${name}`);
        return p;
      },
      async client(from, args) {
        const r = await from.exec(process.execPath, [path.join(HELPERS, "lab-client.js"), ...args], { timeoutMs: 120_000 });
        if (r.code !== 0) throw new Error(`lab-client ${args.join(" ")} in ${from.netns} failed (${r.code}): ${r.stderr}`);
        return JSON.parse(r.stdout) as { pod?: string; remote?: string; error?: string }[];
      },
      destroy: () => net.destroy(),
    };
    return lab;
  } catch (err) {
    await net.destroy();
    throw err;
  }
}

/** Starts lab-server.js in `host` (a pod, or ext) under `name`; stopped by destroy(). */
export function startServer(p: { name: string; host: TestHost }): Promise<void> {
  const child = p.host.spawn(process.execPath, [path.join(HELPERS, "lab-server.js"), p.name, String(HTTP_PORT), String(UDP_PORT)], { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let err = "";
    child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
    child.stdout!.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`lab-server ${p.name} exited (${code}): ${err}`)));
  });
}
