// The service proxy against real nftables: a node namespace with "pods" (namespaces on a
// bridge running lab-server.js) and an outside client (test/helpers/pod-lab.ts), programmed
// by a ServiceProxy fed from a hand-filled ServiceCatalog. Nothing outside the test's own
// namespaces is touched.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, test } from "node:test";
import { cleanupNodeNetwork } from "../netns/cleanup";
import { hostCommands } from "../netns/host-commands";
import { ServiceProxy } from "../netns/proxy/proxy";
import { service } from "../netns/proxy/testing/fixtures";
import { ServiceCatalog, type Endpoint, type ServiceInfo } from "../netns/services/catalog";
import { createPodLab, GATEWAY, HTTP_PORT, POD_CIDR, startServer, UDP_PORT, type PodLab } from "./helpers/pod-lab";

let lab: PodLab;
let catalog: ServiceCatalog;
let proxy: ServiceProxy | undefined;
const logs: string[] = [];
const log = {
  info: (_o: object, m: string) => void logs.push(`info ${m}`),
  warn: (o: object, m: string) => void logs.push(`warn ${m} ${String((o as { err?: unknown }).err ?? "")}`),
  error: (o: object, m: string) => void logs.push(`error ${m} ${String((o as { err?: unknown }).err ?? "")}`),
};

function nft(script: string): string {
  return execFileSync("ip", ["netns", "exec", lab.node.netns, "nft", ...script.split(" ")], { encoding: "utf8" });
}

function startProxy(masqueradeOutside = true): ServiceProxy {
  const p = new ServiceProxy({ catalog, nodeName: "node", nodeIP: lab.node.address, masqueradeOutside, exec: hostCommands(lab.nodePath), log });
  p.setNodeRanges({ podCIDRs: [POD_CIDR], clusterCIDRs: ["10.244.0.0/16"], serviceCIDRs: ["10.96.0.0/12"] });
  p.start();
  return p;
}

interface Ep {
  pod: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  node?: string;
}

function endpoints(eps: Ep[]): Endpoint[] {
  return eps.map((e) => ({
    addresses: [lab.pod(e.pod).ip],
    ready: e.ready ?? true,
    serving: e.serving ?? e.ready ?? true,
    terminating: e.terminating ?? false,
    nodeName: e.node ?? "node",
    hostname: "",
    podName: e.pod,
    zone: "",
    ports: [
      { name: "http", protocol: "TCP", port: HTTP_PORT },
      { name: "dns", protocol: "UDP", port: UDP_PORT },
    ],
  }));
}

function svc(name: string, clusterIP: string, eps: Ep[], over: Partial<ServiceInfo> = {}): ServiceInfo {
  return service(name, clusterIP, endpoints(eps), over);
}

async function upsert(...s: ServiceInfo[]): Promise<number> {
  const t0 = Date.now();
  catalog.apply({ full: false, upsert: s, remove: [] });
  await proxy!.idle();
  assert.equal(proxy!.lastError, undefined, logs.join("\n"));
  return Date.now() - t0;
}

function count(results: { pod?: string; error?: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) out[r.pod ?? `error:${r.error}`] = (out[r.pod ?? `error:${r.error}`] ?? 0) + 1;
  return out;
}

const p5 = () => lab.pod("p5");
const uplinkCount = () => Number(/packets (\d+)/.exec(nft("list chain ip gtestcount uplink"))![1]);

before(async () => {
  lab = await createPodLab(5);
  // Counts what the node sends out of its uplink for the service range.
  execFileSync("ip", ["netns", "exec", lab.node.netns, "nft", "-f", "-"], {
    input: 'table ip gtestcount {\n chain uplink {\n  type filter hook postrouting priority 300;\n  oifname "eth0" ip daddr 10.96.0.0/12 counter\n }\n}\n',
  });
  catalog = new ServiceCatalog();
});

after(async () => {
  await proxy?.stop();
  await lab?.destroy();
});

test("without the proxy, a service-range packet does leave through the uplink (so the counter can see one)", async () => {
  const before = uplinkCount();
  const r = await lab.client(p5().host, ["http", "http://10.96.7.99/", "1", "500"]);
  assert.equal(r[0].error, "TIMEOUT");
  assert.ok(uplinkCount() > before);
});

test("nothing is written before the catalog's first full set; then the table is built", async () => {
  proxy = startProxy();
  await new Promise((r) => setTimeout(r, 300));
  assert.doesNotMatch(nft("list tables ip"), /gantry/);
  catalog.apply({ full: true, upsert: [svc("web", "10.96.7.10", [{ pod: "p1" }, { pod: "p2" }, { pod: "p3" }, { pod: "p4" }])], remove: [] });
  await proxy.idle();
  assert.equal(proxy.lastError, undefined, logs.join("\n"));
  assert.match(nft("list tables ip"), /table ip gantry/);
});

test("ClusterIP spreads over 4 ready endpoints; pods see each other's real addresses", async () => {
  const r = await lab.client(p5().host, ["http", "http://10.96.7.10/", "200"]);
  const c = count(r);
  for (const p of ["p1", "p2", "p3", "p4"]) assert.ok((c[p] ?? 0) >= 20, `${p} got ${c[p] ?? 0} of 200: ${JSON.stringify(c)}`);
  assert.ok(r.every((x) => x.remote === p5().ip), "no NAT between pods");
});

test("an unready endpoint leaves rotation at once; terminating-but-serving ones are used only when nothing is ready", async () => {
  const ms = await upsert(svc("web", "10.96.7.10", [{ pod: "p1" }, { pod: "p2" }, { pod: "p3" }, { pod: "p4", ready: false, serving: false }]));
  assert.ok(ms < 1000, `catalog change to rule live took ${ms} ms`);
  const c = count(await lab.client(p5().host, ["http", "http://10.96.7.10/", "60"]));
  assert.equal(c.p4, undefined, JSON.stringify(c));
  await upsert(svc("web", "10.96.7.10", [{ pod: "p1", ready: false, serving: false }, { pod: "p2", ready: false, serving: true, terminating: true }]));
  assert.deepEqual(count(await lab.client(p5().host, ["http", "http://10.96.7.10/", "10"])), { p2: 10 });
  await upsert(svc("web", "10.96.7.10", [{ pod: "p1" }, { pod: "p2", ready: false, serving: true, terminating: true }]));
  assert.deepEqual(count(await lab.client(p5().host, ["http", "http://10.96.7.10/", "10"])), { p1: 10 });
});

test("NodePort answers on the node address (masqueraded, policy Cluster) and on 127.0.0.1", async () => {
  await upsert(svc("np", "10.96.7.11", [{ pod: "p1" }, { pod: "p2" }], { type: "NodePort", ports: [{ name: "http", protocol: "TCP", port: 80, nodePort: 30080 }] }));
  const fromExt = await lab.client(lab.ext, ["http", `http://${lab.node.address}:30080/`, "10"]);
  assert.ok(fromExt.every((x) => (x.pod === "p1" || x.pod === "p2") && x.remote === GATEWAY), JSON.stringify(fromExt));
  const fromNode = await lab.client(lab.node, ["http", "http://127.0.0.1:30080/", "10"]);
  assert.ok(fromNode.every((x) => x.pod === "p1" || x.pod === "p2"), JSON.stringify(fromNode));
});

test("hairpin: a pod reaches itself through its Service (masqueraded to the gateway)", async () => {
  await upsert(svc("self", "10.96.7.12", [{ pod: "p3" }]));
  const r = await lab.client(lab.pod("p3").host, ["http", "http://10.96.7.12/", "5"]);
  assert.deepEqual(r, Array(5).fill({ pod: "p3", remote: GATEWAY }));
});

test("sessionAffinity ClientIP sticks to one endpoint", async () => {
  await upsert(svc("sticky", "10.96.7.13", [{ pod: "p1" }, { pod: "p2" }, { pod: "p3" }, { pod: "p4" }], { sessionAffinity: "ClientIP", sessionAffinityTimeoutSeconds: 60 }));
  const c = count(await lab.client(p5().host, ["http", "http://10.96.7.13/", "30"]));
  assert.equal(Object.keys(c).length, 1, JSON.stringify(c));
  assert.match(nft("list table ip gantry"), /timeout 1m/);
});

test("externalTrafficPolicy Local: outside clients reach only local endpoints with their address kept; none local drops them, pods still get through", async () => {
  const local = [{ pod: "p1" }, { pod: "p2" }, { pod: "p3", node: "other" }, { pod: "p4", node: "other" }];
  await upsert(svc("etp", "10.96.7.14", local, { type: "NodePort", externalTrafficPolicy: "Local", ports: [{ name: "http", protocol: "TCP", port: 80, nodePort: 30081 }] }));
  const r = await lab.client(lab.ext, ["http", `http://${lab.node.address}:30081/`, "30"]);
  assert.ok(r.every((x) => (x.pod === "p1" || x.pod === "p2") && x.remote === lab.ext.address), JSON.stringify(r));
  const remoteOnly = [{ pod: "p3", node: "other" }, { pod: "p4", node: "other" }];
  await upsert(svc("etp", "10.96.7.14", remoteOnly, { type: "NodePort", externalTrafficPolicy: "Local", ports: [{ name: "http", protocol: "TCP", port: 80, nodePort: 30081 }] }));
  assert.deepEqual(await lab.client(lab.ext, ["http", `http://${lab.node.address}:30081/`, "1", "800"]), [{ error: "TIMEOUT" }]);
  const fromPod = await lab.client(p5().host, ["http", `http://${lab.node.address}:30081/`, "6"]);
  assert.ok(fromPod.every((x) => x.pod === "p3" || x.pod === "p4"), JSON.stringify(fromPod));
});

test("internalTrafficPolicy Local: pods reach only endpoints on this node; none local drops", async () => {
  await upsert(svc("itp", "10.96.7.15", [{ pod: "p1" }, { pod: "p2", node: "other" }, { pod: "p3", node: "other" }], { internalTrafficPolicy: "Local" }));
  assert.deepEqual(count(await lab.client(p5().host, ["http", "http://10.96.7.15/", "20"])), { p1: 20 });
  await upsert(svc("itp", "10.96.7.15", [{ pod: "p2", node: "other" }], { internalTrafficPolicy: "Local" }));
  assert.deepEqual(await lab.client(p5().host, ["http", "http://10.96.7.15/", "1", "800"]), [{ error: "TIMEOUT" }]);
});

test("a LoadBalancer IP and an external IP answer on the service port", async () => {
  await upsert(svc("lb", "10.96.7.16", [{ pod: "p4" }], { type: "LoadBalancer", loadBalancerIPs: [lab.lbIP], externalIPs: [lab.lbIP.replace(/\.10$/, ".11")], ports: [{ name: "http", protocol: "TCP", port: 80, nodePort: 30082 }] }));
  assert.deepEqual(count(await lab.client(lab.ext, ["http", `http://${lab.lbIP}/`, "3"])), { p4: 3 });
  assert.deepEqual(count(await lab.client(lab.ext, ["http", `http://${lab.lbIP.replace(/\.10$/, ".11")}/`, "3"])), { p4: 3 });
});

test("no endpoints: ClusterIP and NodePort are refused at once", async () => {
  await upsert(svc("none", "10.96.7.17", [], { type: "NodePort", ports: [{ name: "http", protocol: "TCP", port: 80, nodePort: 30083 }] }));
  assert.deepEqual(await lab.client(p5().host, ["http", "http://10.96.7.17/", "1"]), [{ error: "ECONNREFUSED" }]);
  assert.deepEqual(await lab.client(lab.ext, ["http", `http://${lab.node.address}:30083/`, "1"]), [{ error: "ECONNREFUSED" }]);
  assert.deepEqual(await lab.client(lab.node, ["http", "http://127.0.0.1:30083/", "1"]), [{ error: "ECONNREFUSED" }]);
});

test("a removed Service's ClusterIP, and an address no Service holds, are refused and never leave the node", async () => {
  const before = uplinkCount();
  assert.deepEqual(count(await lab.client(p5().host, ["http", "http://10.96.7.12/", "1"])), { p3: 1 });
  catalog.apply({ full: false, upsert: [], remove: ["default/self"] });
  await proxy!.idle();
  for (const from of [p5().host, lab.node]) {
    assert.deepEqual(await lab.client(from, ["http", "http://10.96.7.12/", "1"]), [{ error: "ECONNREFUSED" }]);
    assert.deepEqual(await lab.client(from, ["http", "http://10.96.9.99/", "1"]), [{ error: "ECONNREFUSED" }]);
    assert.deepEqual(await lab.client(from, ["http", "http://10.96.7.10:81/", "1"]), [{ error: "ECONNREFUSED" }], "an undefined port of a ClusterIP");
  }
  assert.equal(uplinkCount(), before);
});

test("UDP: after an endpoint leaves, the same client socket is load-balanced afresh (stale conntrack entries deleted)", async () => {
  const dns = (eps: Ep[]) => svc("dns", "10.96.7.53", eps, { ports: [{ name: "dns", protocol: "UDP", port: 53, nodePort: 0 }] });
  await upsert(dns([{ pod: "p1" }]));
  assert.deepEqual(count(await lab.client(p5().host, ["udp", "10.96.7.53", "53", "3", "1000", "40053"])), { p1: 3 });
  await upsert(dns([{ pod: "p2" }]));
  // p1's server still answers: only a deleted conntrack entry sends the next datagram to p2.
  assert.deepEqual(count(await lab.client(p5().host, ["udp", "10.96.7.53", "53", "3", "1000", "40053"])), { p2: 3 });
});

test("pod traffic leaving the cluster range is masqueraded (and not with --masquerade-outside=false)", async () => {
  await startServer({ name: "ext", host: lab.ext });
  execFileSync("ip", ["-n", lab.ext.netns, "route", "add", POD_CIDR, "via", lab.node.address]);
  assert.deepEqual(await lab.client(p5().host, ["http", `http://${lab.ext.address}:${HTTP_PORT}/`, "1"]), [{ pod: "ext", remote: lab.node.address }]);
  await proxy!.stop();
  proxy = startProxy(false);
  catalog.apply({ full: true, upsert: catalog.list(), remove: [] });
  await proxy.idle();
  assert.deepEqual(await lab.client(p5().host, ["http", `http://${lab.ext.address}:${HTTP_PORT}/`, "1"]), [{ pod: "ext", remote: p5().ip }]);
});

test("a restarted proxy keeps the old rules until its first full set, then replaces whatever was left", async () => {
  await proxy!.stop();
  nft("add chain ip gantry leftover");
  nft("add rule ip gantry services ip daddr 10.96.7.10 counter");
  catalog = new ServiceCatalog();
  proxy = startProxy();
  await new Promise((r) => setTimeout(r, 300));
  assert.match(nft("list table ip gantry"), /leftover/, "unsynced: nothing replaced");
  assert.ok(count(await lab.client(p5().host, ["http", "http://10.96.7.10/", "4"])).p1 === 4, "the old rules keep serving");
  catalog.apply({ full: true, upsert: [svc("web", "10.96.7.10", [{ pod: "p2" }])], remove: [] });
  await proxy.idle();
  const table = nft("list table ip gantry");
  assert.doesNotMatch(table, /leftover|counter/);
  assert.deepEqual(count(await lab.client(p5().host, ["http", "http://10.96.7.10/", "4"])), { p2: 4 });
  assert.deepEqual(await lab.client(p5().host, ["http", "http://10.96.7.11/", "1"]), [{ error: "ECONNREFUSED" }], "services of the old table are gone");
});

test("cleanup removes the table (and is idempotent)", async () => {
  await proxy!.stop();
  proxy = undefined;
  assert.deepEqual(await cleanupNodeNetwork(hostCommands(lab.nodePath)), { proxyTable: true });
  assert.doesNotMatch(nft("list tables ip"), /gantry/);
  assert.deepEqual(await cleanupNodeNetwork(hostCommands(lab.nodePath)), { proxyTable: false });
});
