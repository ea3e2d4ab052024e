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

test("plannedRoutes: one route per other node's pod CIDR, blackholes for the cluster and service ranges, first claim wins", () => {
  assert.deepEqual(plannedRoutes(config({ routes: [...config().routes, { nodeName: "d", nodeIp: "10.250.0.9", podCidrs: ["10.244.2.0/24", "10.244.1.0/24", "fd00::/64"] }, { nodeName: "e", nodeIp: "bad", podCidrs: ["10.244.4.0/24"] }] })), [
    { dst: "10.244.2.0/24", via: "10.250.0.3", type: "unicast" },
    { dst: "10.244.3.0/24", via: "10.250.0.4", type: "unicast" },
    { dst: "10.244.0.0/16", type: "blackhole" },
    { dst: "10.96.0.0/12", type: "blackhole" },
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
    ["blackhole 10.244.0.0/16", "blackhole 10.96.0.0/12", "unicast 10.244.2.0/24 10.250.0.3", "unicast 10.244.3.0/24 10.250.0.4"],
  );
  assert.equal(await routeFor(host, "10.244.1.9"), "dev gantry0", "this node's pods: the bridge's connected route");
  assert.equal(await routeFor(host, "10.244.2.9"), "via 10.250.0.3");
  assert.equal(await routeFor(host, "10.244.200.9"), "blackhole", "unallocated cluster address");
  assert.equal(await routeFor(host, "10.96.0.1"), "blackhole", "service address");

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
  assert.equal((await host(["ip", "route", "show", "proto", String(GANTRY_ROUTE_PROTO)])).trim(), "");
  assert.match(await host(["ip", "route", "show"]), /10\.99\.0\.0\/16 via 10\.250\.0\.9/);
});
