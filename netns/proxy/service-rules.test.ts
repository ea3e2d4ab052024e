import assert from "node:assert/strict";
import { test } from "node:test";
import { planFull, planPartial } from "./plan";
import { buildServiceRules } from "./service-rules";
import { endpoint, facts, service } from "./testing/fixtures";
import { assertGolden } from "./testing/golden";
import type { ServiceInfo } from "../services/catalog";
import type { ServiceRules } from "./types";

const local = { nodeName: "node-a" };

// One of everything the builder handles; testdata/replace.nft is the reviewed result.
const catalog: ServiceInfo[] = [
  // Two ready endpoints (one on this node), one unready: spread over the two.
  service("web", "10.96.0.10", [endpoint("10.244.1.5", 8080, local), endpoint("10.244.2.6", 8080), endpoint("10.244.2.9", 8080, { ready: false, serving: false })]),
  // LoadBalancer with externalTrafficPolicy Local and a local endpoint, ClientIP affinity.
  service("lb", "10.96.0.11", [endpoint("10.244.1.7", 8080, local), endpoint("10.244.2.7", 8080)], {
    type: "LoadBalancer",
    externalTrafficPolicy: "Local",
    loadBalancerIPs: ["192.168.0.200"],
    externalIPs: ["192.168.0.201"],
    sessionAffinity: "ClientIP",
    sessionAffinityTimeoutSeconds: 60,
    ports: [{ name: "http", protocol: "TCP", port: 80, nodePort: 30080 }],
  }),
  // DNS-like: UDP, internalTrafficPolicy Local, endpoints on every node.
  service("dns", "10.96.0.53", [endpoint("10.244.1.1", 53, local, "dns", "UDP"), endpoint("10.244.2.1", 53, {}, "dns", "UDP")], {
    internalTrafficPolicy: "Local",
    ports: [{ name: "dns", protocol: "UDP", port: 53, nodePort: 0 }],
  }),
  // No endpoints: rejected.
  service("empty", "10.96.0.12", [], { type: "NodePort", ports: [{ name: "", protocol: "TCP", port: 443, nodePort: 30443 }] }),
  // Only terminating-but-serving endpoints: still used.
  service("rolling", "10.96.0.13", [endpoint("10.244.2.8", 8080, { ready: false, serving: true, terminating: true })]),
  // Nothing to program.
  service("headless", "", [endpoint("10.244.2.10", 80)], { clusterIPs: [], headless: true }),
  service("ext", "", [], { type: "ExternalName", clusterIPs: [], externalName: "example.org" }),
];

function build(svcs: ServiceInfo[], f = facts()): Map<string, ServiceRules> {
  return new Map(svcs.map((s) => [`${s.namespace}/${s.name}`, buildServiceRules(s, f)]));
}

test("replace: the whole table for one of every kind of Service (golden)", () => {
  const plan = planFull(undefined, facts(), build(catalog), false);
  assert.equal(plan.kind, "replace");
  assertGolden("replace.nft", plan.script);
});

test("partial: an endpoint leaving rewrites only its service's chains and flushes its chain for later deletion (golden)", () => {
  const state = planFull(undefined, facts(), build(catalog), false).commit();
  const web = { ...catalog[0], endpoints: [catalog[0].endpoints[0]] };
  const plan = planPartial(state, new Map([["default/web", buildServiceRules(web, facts())], ["default/empty", undefined]]));
  assertGolden("partial.nft", plan.script);
  assert.deepEqual(plan.staleChains.map((c) => c.replace(/-[A-Z2-7]{8}-/, "-*-")), ["endpoint-*-default/web/tcp/http__10.244.2.6/8080"]);
  const next = plan.commit();
  assert.equal(next.services.has("default/empty"), false);
  assert.deepEqual([...next.elements.entries()].filter((e) => e.container === "cluster-ips").map((e) => e.key).sort(), ["10.96.0.10", "10.96.0.11", "10.96.0.13", "10.96.0.53"]);
});

test("partial: nothing changed, nothing written", () => {
  const state = planFull(undefined, facts(), build(catalog), false).commit();
  const plan = planPartial(state, build([catalog[0]]));
  assert.equal(plan.script.split("\n").filter((l) => l.includes("element")).length, 0);
});

test("full: rewrites every chain in place, keeps affinity sets, flushes chains of removed services", () => {
  const state = planFull(undefined, facts(), build(catalog), false).commit();
  const plan = planFull(state, facts(), build(catalog.filter((s) => s.name !== "web")), false);
  assert.equal(plan.kind, "full");
  const lines = plan.script.split("\n");
  assert.ok(!lines.includes("delete table ip gantry"), "a full sync keeps the table (and the affinity state in it)");
  assert.ok(lines.some((l) => /^flush map ip gantry service-ips$/.test(l)));
  assert.ok(!lines.some((l) => /^delete set .*affinity/.test(l)), "kept affinity sets are not deleted");
  assert.ok(lines.some((l) => /^add set ip gantry affinity-.*timeout 60s/.test(l)));
  assert.equal(plan.staleChains.filter((c) => c.includes("/web/")).length, 3);
  for (const c of plan.staleChains) assert.ok(lines.includes(`flush chain ip gantry ${c}`));
});

test("a timeout change replaces the affinity set; losing affinity deletes the sets", () => {
  const lb = catalog[1];
  const state = planFull(undefined, facts(), build([lb]), false).commit();
  const longer = planPartial(state, build([{ ...lb, sessionAffinityTimeoutSeconds: 120 }])).script.split("\n");
  assert.equal(longer.filter((l) => l.startsWith("delete set ip gantry affinity-")).length, 2);
  assert.equal(longer.filter((l) => l.startsWith("add set ip gantry affinity-") && l.includes("timeout 120s")).length, 2);
  const none = planPartial(state, build([{ ...lb, sessionAffinity: "None" }])).script.split("\n");
  assert.equal(none.filter((l) => l.startsWith("delete set ip gantry affinity-")).length, 2);
  assert.ok(!none.some((l) => l.includes("@affinity-")));
});

test("no endpoints rejects; Local policy without local endpoints drops", () => {
  const rules = buildServiceRules(catalog[3], facts());
  assert.deepEqual(rules.elements.filter((e) => e.container.startsWith("no-endpoint")).map((e) => `${e.key} : ${e.value}`), ["10.96.0.12 . tcp . 443 : goto reject-chain", "tcp . 30443 : goto reject-chain"]);
  assert.deepEqual(rules.chains, []);
  const itp = buildServiceRules(catalog[2], facts({ nodeName: "node-c" }));
  assert.deepEqual(itp.elements.filter((e) => e.container === "no-endpoint-services").map((e) => e.value), ["drop"]);
  const etp = buildServiceRules(catalog[1], facts({ nodeName: "node-c" }));
  assert.deepEqual(etp.elements.filter((e) => e.container.startsWith("no-endpoint")).map((e) => `${e.key} : ${e.value}`), [
    "192.168.0.201 . tcp . 80 : drop",
    "192.168.0.200 . tcp . 80 : drop",
    "tcp . 30080 : drop",
  ]);
});

test("masquerade-outside=false drops the pod egress rule only", () => {
  const on = planFull(undefined, facts(), new Map(), false).script;
  const off = planFull(undefined, facts({ masqueradeOutside: false }), new Map(), false).script;
  assert.match(on, /ip saddr @cluster-cidrs ip daddr != @cluster-cidrs .* masquerade/);
  assert.doesNotMatch(off, /ip saddr @cluster-cidrs ip daddr != @cluster-cidrs/);
  assert.match(off, /meta mark and 0x00004000 == 0x00004000 .* masquerade/);
});

test("bad input never reaches nft: invalid names, addresses and ports are skipped with a warning", () => {
  const bad = buildServiceRules(service("Bad Name", "10.96.0.20", []), facts());
  assert.deepEqual(bad.elements, []);
  assert.match(bad.warnings[0], /invalid name/);
  const badPort = buildServiceRules(service("p", "10.96.0.21", [], { ports: [{ name: "x y", protocol: "TCP", port: 80, nodePort: 0 }, { name: "ok", protocol: "TCP", port: 70000, nodePort: 0 }] }), facts());
  assert.equal(badPort.warnings.length, 2);
  assert.deepEqual(badPort.elements, []);
  const badEp = buildServiceRules(service("q", "10.96.0.22", [endpoint("10.244.1.300", 80), endpoint("10.244.1.3", 0)]), facts());
  assert.ok(badEp.elements.some((e) => e.value === "goto reject-chain"), "no valid endpoint left: rejected");
});

test("two Services claiming one LoadBalancer IP and port: the first by name wins, the other takes over when it goes", () => {
  const a = service("a", "10.96.0.30", [endpoint("10.244.2.1", 80)], { type: "LoadBalancer", loadBalancerIPs: ["192.168.0.250"] });
  const b = service("b", "10.96.0.31", [endpoint("10.244.2.2", 80)], { type: "LoadBalancer", loadBalancerIPs: ["192.168.0.250"] });
  const plan = planFull(undefined, facts(), build([b, a]), false);
  const line = plan.script.split("\n").find((l) => l.startsWith("add element ip gantry service-ips"))!;
  assert.equal(line.match(/192\.168\.0\.250/g)?.length, 1, "one element per key");
  assert.match(line, /192\.168\.0\.250 \. tcp \. 80 : goto external-\w+-default\/a\//);
  const next = planPartial(plan.commit(), new Map([["default/a", undefined]]));
  assert.match(next.script, /delete element ip gantry service-ips \{ [^}]*192\.168\.0\.250 \. tcp \. 80/);
  assert.match(next.script, /add element ip gantry service-ips \{ 192\.168\.0\.250 \. tcp \. 80 : goto external-\w+-default\/b\//);
});
