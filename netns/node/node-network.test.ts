// The node network (bridge, routes, sysctls) programmed into a namespace this test makes, with
// a dummy "uplink" eth0; nothing touches the machine's own network. Removed after each test.

import assert from "node:assert/strict";
import { test } from "node:test";
import { tempRegistry } from "../testing/temp-registry";
import { bridgeAddresses } from "./bridge";
import { hostCommands, type CommandRunner } from "../host-commands";
import { ipJson } from "./ip-json";
import { NodeNetwork } from "./node-network";
import { GANTRY_ROUTE_PROTO, plannedRoutes, type RouteInputs } from "./routes";
import { readSysctl } from "./sysctls";

const quiet = { info: () => undefined, warn: () => undefined };

const config = (over: Partial<RouteInputs> = {}): RouteInputs => ({
  podCidrs: ["10.244.1.0/24"],
  routes: [
    { nodeName: "b", nodeIp: "10.250.0.3", podCidrs: ["10.244.2.0/24"] },
    { nodeName: "c", nodeIp: "10.250.0.4", podCidrs: ["10.244.3.0/24"] },
  ],
  clusterCidrs: ["10.244.0.0/16"],
  serviceCidrs: ["10.96.0.0/12"],
  ...over,
});

/** Runs in the namespace and resolves with stdout. */
type Host = ((argv: readonly string[]) => Promise<string>) & { exec: CommandRunner };

async function nodeNamespace(t: { after: (fn: () => Promise<void>) => void }): Promise<Host> {
  const registry = await tempRegistry(t, "gantry-node-net-");
  const exec = hostCommands(await registry.create("node"));
  const host = Object.assign(async (argv: readonly string[]) => (await exec(argv)).stdout, { exec });
  // A veth pair whose far end stays here (no dummy driver in every kernel): an "uplink" that is up.
  await host(["ip", "link", "add", "eth0", "type", "veth", "peer", "name", "uplink0"]);
  await host(["ip", "addr", "add", "10.250.0.2/24", "dev", "eth0"]);
  await host(["ip", "link", "set", "uplink0", "up"]);
  await host(["ip", "link", "set", "eth0", "up"]);
  return host;
}

/** What the kernel would do with a packet to `ip`: "blackhole", "via <gw>" or "dev <name>". */
async function routeFor(host: Host, ip: string): Promise<string> {
  type Got = { type?: string; gateway?: string; dev?: string };
  const r = await ipJson<Got>(host.exec, ["route", "get", ip]).catch((err: Error): Got[] => {
    if (/No route to host|Invalid argument/.test(err.message)) return [{ type: "blackhole" }];
    throw err;
  });
  if (r[0]?.type === "blackhole") return "blackhole";
  return r[0]?.gateway ? `via ${r[0].gateway}` : `dev ${r[0]?.dev}`;
}

test("plannedRoutes: one route per other node's pod CIDR, a blackhole for the cluster range, the sink for the service range, first claim wins", () => {
  assert.deepEqual(plannedRoutes(config({ routes: [...config().routes, { nodeName: "d", nodeIp: "10.250.0.9", podCidrs: ["10.244.2.0/24", "10.244.1.0/24", "fd00::/64"] }, { nodeName: "e", nodeIp: "bad", podCidrs: ["10.244.4.0/24"] }] })), [
    { dst: "10.244.2.0/24", via: "10.250.0.3", type: "unicast" },
    { dst: "10.244.3.0/24", via: "10.250.0.4", type: "unicast" },
    { dst: "10.244.0.0/16", type: "blackhole" },
    { dst: "10.96.0.0/12", type: "sink" },
  ]);
});

test("bridge with the gateway address, sysctls, routes to other nodes, blackholes that lose to more specific routes", async (t) => {
  const host = await nodeNamespace(t);
  const net = new NodeNetwork({ exec: host.exec, log: quiet });
  const ready: string[] = [];
  net.onReady((cidr) => ready.push(cidr));
  assert.equal(net.readyPodCidr(), undefined);
  await net.apply(config());
  assert.deepEqual(ready, ["10.244.1.0/24"]);
  assert.equal(net.readyPodCidr(), "10.244.1.0/24");
  assert.deepEqual(await bridgeAddresses(host.exec, "gantry0"), ["10.244.1.1/24"]);
  assert.match(await host(["ip", "-o", "link", "show", "gantry0"]), /state (UP|UNKNOWN|DOWN)/);
  assert.equal(await readSysctl(host.exec, "net.ipv4.ip_forward"), "1");
  assert.equal(await readSysctl(host.exec, "net.bridge.bridge-nf-call-iptables"), "1");

  assert.deepEqual(
    (await net.routes()).map((r) => `${r.type} ${r.dst} ${r.via ?? ""}`.trim()).sort(),
    ["blackhole 10.244.0.0/16", "sink 10.96.0.0/12", "unicast 10.244.2.0/24 10.250.0.3", "unicast 10.244.3.0/24 10.250.0.4"],
  );
  assert.equal(await routeFor(host, "10.244.1.9"), "dev gantry0", "this node's pods: the bridge's connected route");
  assert.equal(await routeFor(host, "10.244.2.9"), "via 10.250.0.3");
  assert.equal(await routeFor(host, "10.244.200.9"), "blackhole", "unallocated cluster address");
  assert.equal(await routeFor(host, "10.96.0.1"), "dev gantry-sink", "service address: into the port-less sink");

  // The bridge keeps its own MAC address when a port with a lower one joins.
  const mac = async () => (await ipJson<{ address: string }>(host.exec, ["link", "show", "gantry0"]))[0].address;
  const before = await mac();
  await host(["ip", "link", "add", "vtest0", "address", "02:00:00:00:00:01", "type", "veth", "peer", "name", "vtest1"]);
  await host(["ip", "link", "set", "vtest0", "master", "gantry0"]);
  assert.equal(await mac(), before);
});

test("routes follow nodes joining and leaving; others' routes are never touched; teardown leaves none of ours", async (t) => {
  const host = await nodeNamespace(t);
  const net = new NodeNetwork({ exec: host.exec, log: quiet });
  // Someone else's routes: one elsewhere, one for a destination Gantry also wants.
  await host(["ip", "route", "add", "10.99.0.0/16", "via", "10.250.0.9", "proto", "static"]);
  await host(["ip", "route", "add", "10.244.3.0/24", "via", "10.250.0.8"]);
  const first = await net.apply(config());
  assert.deepEqual(first?.failed.map((f) => f.route.dst), ["10.244.3.0/24"], "another owner's route for the same destination stays");
  assert.equal(await routeFor(host, "10.244.3.9"), "via 10.250.0.8");

  // Node b moves, node c leaves, node d joins; again with the same input changes nothing.
  await host(["ip", "route", "del", "10.244.3.0/24", "via", "10.250.0.8"]);
  const second = await net.apply(config({ routes: [{ nodeName: "b", nodeIp: "10.250.0.5", podCidrs: ["10.244.2.0/24"] }, { nodeName: "d", nodeIp: "10.250.0.6", podCidrs: ["10.244.4.0/24"] }] }));
  assert.deepEqual(second?.replaced.map((r) => `${r.dst} ${r.via}`), ["10.244.2.0/24 10.250.0.5"]);
  assert.deepEqual(second?.added.map((r) => `${r.dst} ${r.via}`), ["10.244.4.0/24 10.250.0.6"]);
  assert.deepEqual(second?.removed, []);
  const third = await net.apply(config({ routes: [{ nodeName: "d", nodeIp: "10.250.0.6", podCidrs: ["10.244.4.0/24"] }] }));
  assert.deepEqual(third?.removed.map((r) => r.dst), ["10.244.2.0/24"]);
  const fourth = await net.apply(config({ routes: [{ nodeName: "d", nodeIp: "10.250.0.6", podCidrs: ["10.244.4.0/24"] }] }));
  assert.deepEqual([fourth?.added, fourth?.replaced, fourth?.removed, fourth?.failed], [[], [], [], []]);
  assert.equal(await routeFor(host, "10.244.2.9"), "blackhole", "a node that left: its range is blackholed again");

  // A restarted agent (a new NodeNetwork) finds its routes by protocol and removes stale ones.
  const restarted = new NodeNetwork({ exec: host.exec, log: quiet });
  const fifth = await restarted.apply(config({ routes: [] }));
  assert.deepEqual(fifth?.removed.map((r) => r.dst), ["10.244.4.0/24"]);

  // A pod CIDR change moves the gateway address; a config without one keeps the bridge.
  await restarted.apply(config({ podCidrs: ["10.244.9.0/24"] }));
  assert.deepEqual(await bridgeAddresses(host.exec, "gantry0"), ["10.244.9.1/24"]);
  await restarted.apply(config({ podCidrs: [] }));
  assert.deepEqual(await bridgeAddresses(host.exec, "gantry0"), ["10.244.9.1/24"]);

  await restarted.teardown();
  assert.equal(await bridgeAddresses(host.exec, "gantry0"), undefined);
  assert.equal(await bridgeAddresses(host.exec, "gantry-sink"), undefined);
  assert.equal((await host(["ip", "route", "show", "proto", String(GANTRY_ROUTE_PROTO)])).trim(), "");
  assert.match(await host(["ip", "route", "show"]), /10\.99\.0\.0\/16 via 10\.250\.0\.9/);
});

test("the node itself reaches a ClusterIP (DNAT in the output hook), while the rest of the service range goes nowhere", async (t) => {
  const host = await nodeNamespace(t);
  await new NodeNetwork({ exec: host.exec, log: quiet }).apply(config());
  // What the proxy does for a Service: DNAT its ClusterIP in the output hook (here to a server on
  // the bridge's own address). A blackhole route for the range would fail the connect (EINVAL).
  // And a counter of what leaves through the uplink for the service range.
  const rules = [
    "table ip t {",
    "  chain out { type nat hook output priority -100; ip daddr 10.96.0.5 tcp dport 80 dnat to 10.244.1.1:8080; };",
    '  chain uplink { type filter hook postrouting priority 0; oifname "eth0" ip daddr 10.96.0.0/12 counter; };',
    "}",
  ];
  await host.exec(["nft", "-f", "-"], { input: rules.join("\n") + "\n" });
  const server = "require('net').createServer((s) => s.end('hi')).listen(8080, '10.244.1.1', () => console.log('up'))";
  const client = (ip: string) => `const s = require('net').connect(80, '${ip}', () => undefined); s.setTimeout(1500, () => { console.log('timeout'); process.exit(0); }); s.on('data', (d) => { console.log(String(d)); process.exit(0); }); s.on('error', (e) => { console.log(e.code); process.exit(0); });`;
  const serving = host.exec(["timeout", "10", process.execPath, "-e", server]).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await host([process.execPath, "-e", client("10.96.0.5")])).trim(), "hi");
  assert.equal((await host([process.execPath, "-e", client("10.96.0.99")])).trim(), "timeout", "an address no Service holds: dropped by the sink");
  assert.match(await host(["nft", "list", "chain", "ip", "t", "uplink"]), /counter packets 0 bytes 0/, "nothing for the service range left through the uplink");
  await host(["pkill", "-f", "listen.8080"]).catch(() => undefined);
  await serving;
});
