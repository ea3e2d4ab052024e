import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1";
import { hostsFile, podHostname, resolvConf } from "./etc-files";

const pod = (spec: Partial<Pod["spec"]> = {}): Pod => ({ metadata: { name: "web-0", namespace: "prod" }, spec: { containers: [], ...spec } });
const host = "nameserver 192.0.2.53\nsearch corp.example\noptions edns0\n";

test("hostname: spec.hostname, else the pod name, at most 63 characters", () => {
  assert.equal(podHostname(pod()), "web-0");
  assert.equal(podHostname(pod({ hostname: "db" })), "db");
  assert.equal(podHostname({ metadata: { name: "x".repeat(80) } }).length, 63);
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
    fellBack: false,
  });
  assert.deepEqual(resolvConf(pod({ dnsPolicy: "Default" }), dns), { text: "search corp.example\nnameserver 192.0.2.53\noptions edns0\n", fellBack: false });
  assert.equal(resolvConf(pod(), { ...dns, clusterDNS: [] }).fellBack, true, "ClusterFirst without cluster DNS falls back to the host's");
  assert.equal(
    resolvConf(pod({ dnsPolicy: "None", dnsConfig: { nameservers: ["1.2.3.4"], searches: ["a.b"], options: [{ name: "ndots", value: "2" }, { name: "rotate" }] } }), dns).text,
    "search a.b\nnameserver 1.2.3.4\noptions ndots:2 rotate\n",
  );
  assert.match(resolvConf(pod({ dnsConfig: { options: [{ name: "ndots", value: "1" }] } }), dns).text, /options ndots:1\n/);
});
