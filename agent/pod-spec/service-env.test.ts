import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1";
import { ServiceCatalog, type ServiceInfo, type ServicePort } from "../../netns/services/catalog";
import { service } from "../../netns/services/testing/service-fixtures";
import { buildEnv } from "./env";
import { serviceEnvironment } from "./service-env";
import { lookupFrom } from "./volume-data";

function svc(namespace: string, name: string, ip: string, ports: Partial<ServicePort>[], extra: Partial<ServiceInfo> = {}): ServiceInfo {
  return service(namespace, name, { clusterIPs: ip ? [ip] : [], ports: ports.map((p) => ({ name: "", protocol: "TCP", port: 80, nodePort: 0, ...p })), ...extra });
}

function catalog(): ServiceCatalog {
  const c = new ServiceCatalog();
  c.apply({
    full: true,
    remove: [],
    upsert: [
      svc("default", "kubernetes", "10.96.0.1", [{ name: "https", port: 443 }]),
      svc("prod", "redis-primary", "10.96.0.11", [{ name: "redis", port: 6379 }, { port: 9121 }]),
      svc("prod", "dns", "10.96.0.12", [{ name: "dns-udp", port: 53, protocol: "UDP" }]),
      svc("prod", "db", "", [{ port: 5432 }], { headless: true }),
      svc("prod", "ext", "", [], { type: "ExternalName", externalName: "db.example.com" }),
      svc("other", "elsewhere", "10.96.0.13", [{ port: 8080 }]),
    ],
  });
  return c;
}

test("service variables with the kubelet's names: host, ports, named ports, Docker links", () => {
  const env = serviceEnvironment("prod", true, catalog());
  assert.deepEqual(Object.fromEntries(env), {
    DNS_SERVICE_HOST: "10.96.0.12",
    DNS_SERVICE_PORT: "53",
    DNS_SERVICE_PORT_DNS_UDP: "53",
    DNS_PORT: "udp://10.96.0.12:53",
    DNS_PORT_53_UDP: "udp://10.96.0.12:53",
    DNS_PORT_53_UDP_PROTO: "udp",
    DNS_PORT_53_UDP_PORT: "53",
    DNS_PORT_53_UDP_ADDR: "10.96.0.12",
    KUBERNETES_SERVICE_HOST: "10.96.0.1",
    KUBERNETES_SERVICE_PORT: "443",
    KUBERNETES_SERVICE_PORT_HTTPS: "443",
    KUBERNETES_PORT: "tcp://10.96.0.1:443",
    KUBERNETES_PORT_443_TCP: "tcp://10.96.0.1:443",
    KUBERNETES_PORT_443_TCP_PROTO: "tcp",
    KUBERNETES_PORT_443_TCP_PORT: "443",
    KUBERNETES_PORT_443_TCP_ADDR: "10.96.0.1",
    REDIS_PRIMARY_SERVICE_HOST: "10.96.0.11",
    REDIS_PRIMARY_SERVICE_PORT: "6379",
    REDIS_PRIMARY_SERVICE_PORT_REDIS: "6379",
    REDIS_PRIMARY_PORT: "tcp://10.96.0.11:6379",
    REDIS_PRIMARY_PORT_6379_TCP: "tcp://10.96.0.11:6379",
    REDIS_PRIMARY_PORT_6379_TCP_PROTO: "tcp",
    REDIS_PRIMARY_PORT_6379_TCP_PORT: "6379",
    REDIS_PRIMARY_PORT_6379_TCP_ADDR: "10.96.0.11",
    REDIS_PRIMARY_PORT_9121_TCP: "tcp://10.96.0.11:9121",
    REDIS_PRIMARY_PORT_9121_TCP_PROTO: "tcp",
    REDIS_PRIMARY_PORT_9121_TCP_PORT: "9121",
    REDIS_PRIMARY_PORT_9121_TCP_ADDR: "10.96.0.11",
  });
  assert.ok(![...env.keys()].some((k) => k.startsWith("DB_") || k.startsWith("EXT_") || k.startsWith("ELSEWHERE_")), "headless, ExternalName and other namespaces' services are skipped");
});

test("enableServiceLinks false leaves only the kubernetes service; a same-named service of the pod's namespace wins", () => {
  const c = catalog();
  assert.deepEqual([...serviceEnvironment("prod", false, c).keys()].filter((k) => !k.startsWith("KUBERNETES_")), []);
  assert.equal(serviceEnvironment("prod", false, c).get("KUBERNETES_SERVICE_HOST"), "10.96.0.1");
  c.apply({ full: false, remove: [], upsert: [svc("prod", "kubernetes", "10.96.0.99", [{ port: 8443 }])] });
  assert.equal(serviceEnvironment("prod", true, c).get("KUBERNETES_SERVICE_HOST"), "10.96.0.99");
  assert.equal(serviceEnvironment("prod", false, c).get("KUBERNETES_SERVICE_HOST"), "10.96.0.1");
  assert.equal(serviceEnvironment("default", true, c).get("KUBERNETES_SERVICE_PORT"), "443");
});

test("the pod's own env and envFrom win over service variables, which $(VAR) can use", () => {
  const pod: Pod = { metadata: { name: "web", namespace: "prod", uid: "u" }, spec: { containers: [] } };
  const data = lookupFrom([
    { kind: "ConfigMap", namespace: "prod", name: "cfg", resourceVersion: "1", exists: true, type: "", data: { REDIS_PRIMARY_SERVICE_PORT: Buffer.from("1") } },
  ]);
  const r = buildEnv(
    pod,
    {
      name: "c",
      envFrom: [{ configMapRef: { name: "cfg" } }],
      env: [
        { name: "KUBERNETES_SERVICE_HOST", value: "override" },
        { name: "REDIS_URL", value: "redis://$(REDIS_PRIMARY_SERVICE_HOST):$(REDIS_PRIMARY_SERVICE_PORT_REDIS)" },
      ],
    },
    ["PATH=/bin", "DNS_SERVICE_HOST=from-image"],
    data,
    { nodeName: "n", hostIP: "10.0.0.5", podIPs: [] },
    serviceEnvironment("prod", true, catalog()),
  );
  const env = new Map(r.env.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
  assert.equal(env.get("KUBERNETES_SERVICE_HOST"), "override");
  assert.equal(env.get("REDIS_PRIMARY_SERVICE_PORT"), "1", "envFrom wins too");
  assert.equal(env.get("REDIS_URL"), "redis://10.96.0.11:6379");
  assert.equal(env.get("DNS_SERVICE_HOST"), "10.96.0.12", "service variables replace the image's");
  assert.equal(r.env.filter((kv) => kv.startsWith("KUBERNETES_SERVICE_HOST=")).length, 1);
  assert.deepEqual(r.env.slice(0, 4), ["PATH=/bin", "DNS_SERVICE_HOST=10.96.0.12", "REDIS_PRIMARY_SERVICE_PORT=1", "KUBERNETES_SERVICE_HOST=override"]);
  assert.equal(r.vars.get("KUBERNETES_PORT"), "tcp://10.96.0.1:443", "service variables are visible to $(VAR) in command and args");
});
