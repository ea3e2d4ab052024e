import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1";
import { hostsFile, parseResolvConf, podHostname, resolvConf } from "./etc-files";

const pod = (spec: Partial<Pod["spec"]> = {}): Pod => ({ metadata: { name: "web-0", namespace: "prod" }, spec: { containers: [], ...spec } });
const host = "nameserver 192.0.2.53\nsearch corp.example\noptions edns0\n";

test("hostname: spec.hostname, else the pod name, at most 63 characters", () => {
  assert.equal(podHostname(pod()), "web-0");
  assert.equal(podHostname(pod({ hostname: "db" })), "db");
  assert.equal(podHostname({ metadata: { name: "x".repeat(80) } }).length, 63);
  assert.equal(podHostname({ metadata: { name: `${"x".repeat(61)}-.-y` } }), "x".repeat(61), "a cut leaves no trailing - or .");
});

test("hosts: localhost lines, the pod's own name with subdomain, host aliases", () => {
  const text = hostsFile(pod({ subdomain: "svc", hostAliases: [{ ip: "10.1.1.1", hostnames: ["a", "b"] }] }), ["10.244.0.9"], "cluster.local");
  assert.match(text, /^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n/);
  assert.match(text, /\n10\.244\.0\.9\tweb-0\.svc\.prod\.svc\.cluster\.local\tweb-0\n/);
  assert.match(text, /# Entries added by HostAliases\.\n10\.1\.1\.1\ta\tb\n$/);
  assert.doesNotMatch(hostsFile(pod(), [], "cluster.local"), /web-0/, "no pod IP (loopback-only): no self entry");
});

test("resolv.conf per dnsPolicy", () => {
  const dns = { clusterDNS: ["10.96.0.10"], clusterDomain: "cluster.local", hostResolvConf: host };
  assert.deepEqual(resolvConf(pod(), dns), {
    text: "search prod.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.96.0.10\noptions ndots:5\n",
    warnings: [],
  });
  assert.equal(resolvConf(pod({ dnsPolicy: "ClusterFirst" }), dns).text, resolvConf(pod(), dns).text, "ClusterFirst is the default");
  assert.deepEqual(resolvConf(pod({ dnsPolicy: "Default" }), dns), { text: "search corp.example\nnameserver 192.0.2.53\noptions edns0\n", warnings: [] });
  const fallback = resolvConf(pod(), { ...dns, clusterDNS: [] });
  assert.equal(fallback.text, "search corp.example\nnameserver 192.0.2.53\noptions edns0\n", "ClusterFirst without cluster DNS falls back to the host's");
  assert.match(fallback.warnings.join(), /no cluster DNS/);
  assert.equal(
    resolvConf(pod({ dnsPolicy: "None", dnsConfig: { nameservers: ["1.2.3.4"], searches: ["a.b"], options: [{ name: "ndots", value: "2" }, { name: "rotate" }] } }), dns).text,
    "search a.b\nnameserver 1.2.3.4\noptions ndots:2 rotate\n",
  );
  assert.equal(resolvConf(pod({ dnsPolicy: "None" }), dns).text, "\n", "None without dnsConfig: an empty file");
  assert.match(resolvConf(pod({ dnsConfig: { options: [{ name: "ndots", value: "1" }] } }), dns).text, /options ndots:1\n/);
});

test("hostNetwork: ClusterFirst means the node's resolv.conf, ClusterFirstWithHostNet the cluster's", () => {
  const dns = { clusterDNS: ["10.96.0.10"], clusterDomain: "cluster.local", hostResolvConf: host };
  assert.equal(resolvConf(pod({ hostNetwork: true }), dns).text, "search corp.example\nnameserver 192.0.2.53\noptions edns0\n");
  assert.deepEqual(resolvConf(pod({ hostNetwork: true }), dns).warnings, []);
  assert.match(resolvConf(pod({ hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" }), dns).text, /^search prod\.svc\.cluster\.local .*\nnameserver 10\.96\.0\.10\n/);
  assert.match(resolvConf(pod({ dnsPolicy: "ClusterFirstWithHostNet" }), dns).text, /nameserver 10\.96\.0\.10\n/);
});

test("dnsConfig merges as the kubelet does: appended without duplicates, options replaced by name", () => {
  const dns = { clusterDNS: ["10.96.0.10"], clusterDomain: "cluster.local", hostResolvConf: host };
  const r = resolvConf(
    pod({ dnsConfig: { nameservers: ["10.96.0.10", "192.0.2.1"], searches: ["svc.cluster.local", "extra.example"], options: [{ name: "ndots", value: "2" }, { name: "edns0" }, { name: "timeout", value: "1" }] } }),
    dns,
  );
  assert.equal(r.text, "search prod.svc.cluster.local svc.cluster.local cluster.local corp.example extra.example\nnameserver 10.96.0.10\nnameserver 192.0.2.1\noptions ndots:2 edns0 timeout:1\n");
  assert.deepEqual(r.warnings, []);
});

test("the node's resolv.conf is read as the kubelet reads it", () => {
  assert.deepEqual(parseResolvConf("# c\n; c\nnameserver 192.0.2.1\nsearch a.example. b.example\ndomain ignored.example\nsearch c.example.\noptions ndots:1\noptions edns0 rotate\nnameserver 192.0.2.2\nnameserver\n"), {
    nameservers: ["192.0.2.1", "192.0.2.2"],
    searches: ["c.example"],
    options: ["edns0", "rotate"],
  });
});

test("limits: 3 nameservers, 32 search domains, 253 characters each, 2048 together; each cut is a warning", () => {
  const dns = { clusterDNS: ["10.96.0.10"], clusterDomain: "cluster.local", hostResolvConf: "" };
  const many = resolvConf(pod({ dnsPolicy: "None", dnsConfig: { nameservers: ["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"] } }), dns);
  assert.equal(many.text, "nameserver 1.1.1.1\nnameserver 2.2.2.2\nnameserver 3.3.3.3\n");
  assert.deepEqual(many.warnings, ["Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 1.1.1.1 2.2.2.2 3.3.3.3"]);

  const searches = Array.from({ length: 40 }, (_, i) => `d${i}.example`);
  const r = resolvConf(pod({ dnsPolicy: "None", dnsConfig: { searches } }), dns);
  assert.equal(r.text, `search ${searches.slice(0, 32).join(" ")}\n`);
  assert.match(r.warnings[0], /^Search Line limits were exceeded/);

  const long = `${"a".repeat(250)}.example`;
  const wide = Array.from({ length: 10 }, (_, i) => `${String(i).repeat(60)}.${"b".repeat(140)}.example`);
  const cut = resolvConf(pod({ dnsPolicy: "None", dnsConfig: { searches: [long, ...wide] } }), dns);
  const line = cut.text.trim().slice("search ".length).split(" ");
  assert.ok(!line.includes(long), "a domain over 253 characters is dropped");
  assert.ok(line.join(" ").length <= 2048 && line.length === 9, `search line of ${line.join(" ").length} characters`);
  assert.equal(cut.warnings.length, 1);
});
